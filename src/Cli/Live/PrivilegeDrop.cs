using System.Runtime.InteropServices;
using System.Text;

namespace TcpState.Cli.Live;

/// <summary>
/// <c>--drop-privileges USER</c> (tcpdump's <c>-Z</c>): once the capture device is open and its filter set, the
/// process becomes USER — its groups, then its group, then its user — so the rest of the capture (decoding untrusted
/// packets, writing the <c>-w</c> file, which is created as USER) runs without root.
/// </summary>
/// <remarks>
/// The order matters: groups and gid can only be changed while still root, and setuid from root to another user clears
/// every capability (no SECBIT_KEEP_CAPS), so the open capture socket is all the process keeps. glibc's setuid and
/// setgid change every thread of the process (it signals each one), which the .NET runtime's threads need.
/// </remarks>
internal static unsafe partial class PrivilegeDrop
{
    private const int EPERM = 1, ENOENT = 2, ESRCH = 3, EBADF = 9, ERANGE = 34;

    /// <summary>The account to become, as the password database gives it.</summary>
    public sealed record User(string Name, uint Uid, uint Gid);

    /// <summary>Looks <paramref name="name"/> up before anything is opened, so a misspelt user fails at once.</summary>
    public static User Resolve(string name)
    {
        if (name.Length == 0 || name.Contains('\0'))
            throw new UserFacingException($"--drop-privileges: no user named '{name}'");
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        for (int size = 4096; ; size *= 2)
        {
            var buffer = new byte[size];
            Passwd entry;
            Passwd* result;
            int error;
            fixed (byte* n = nameBytes, b = buffer)
                error = getpwnam_r(n, &entry, b, (nuint)size, &result);
            if (error == ERANGE && size < 1 << 20)
                continue;
            // Not found is a null result, though some name services report it as one of these errors instead.
            if (error is ENOENT or ESRCH or EBADF or EPERM)
                result = null;
            else if (error != 0)
                throw new UserFacingException($"--drop-privileges: cannot look up user '{name}': {Describe(error)}");
            if (result == null)
                throw new UserFacingException($"--drop-privileges: no user named '{name}'");
            return new User(name, entry.Uid, entry.Gid);
        }
    }

    /// <summary>
    /// Becomes <paramref name="user"/>, or throws a <see cref="UserFacingException"/> saying what could not be changed.
    /// Already running as that user (say, a setcap'd tcpstate started by that user) there is nothing to change.
    /// </summary>
    public static void SwitchTo(User user)
    {
        if (IsNow(user))
            return;
        var nameBytes = Encoding.UTF8.GetBytes(user.Name + "\0");
        int result;
        fixed (byte* n = nameBytes)
            result = initgroups(n, user.Gid);
        if (result != 0)
            Fail(user, "initgroups");
        if (setgid(user.Gid) != 0)
            Fail(user, "setgid");
        if (setuid(user.Uid) != 0)
            Fail(user, "setuid");
        if (!IsNow(user))
            throw new UserFacingException($"--drop-privileges: switched to user '{user.Name}' but still runs as uid {geteuid()}, gid {getegid()}");
    }

    private static bool IsNow(User user) =>
        getuid() == user.Uid && geteuid() == user.Uid && getgid() == user.Gid && getegid() == user.Gid;

    private static void Fail(User user, string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        string advice = geteuid() == 0 ? "" : "; switching user needs root (CAP_SETUID and CAP_SETGID)";
        throw new UserFacingException(
            $"--drop-privileges: cannot switch to user '{user.Name}' (uid {user.Uid}, gid {user.Gid}): {call}: {Describe(errno)}{advice}");
    }

    private static string Describe(int errno)
    {
        string message = Marshal.GetPInvokeErrorMessage(errno);
        return message.Length > 1 && char.IsUpper(message[0]) && char.IsLower(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }

    /// <summary>glibc's struct passwd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Directory;
        public nint Shell;
    }

    [LibraryImport("libc")]
    private static partial int getpwnam_r(byte* name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int initgroups(byte* user, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setuid(uint uid);

    [LibraryImport("libc")]
    private static partial uint getuid();

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc")]
    private static partial uint getgid();

    [LibraryImport("libc")]
    private static partial uint getegid();
}
