using TcpState.Capture.Files;

namespace TcpState.Fuzzing;

/// <summary>
/// Shrinks an input while it still fails the same way (delta debugging, Zeller and Hildebrandt's ddmin, specialised):
/// first whole records and blocks (so the file stays a capture as long as possible), then byte ranges from large to
/// small, then bytes set to zero. Stops when a full pass changes nothing or the test budget is spent.
/// </summary>
internal static class Minimiser
{
    public static byte[] Minimise(byte[] input, Func<byte[], bool> stillFails, int maxTests, Action<string> log)
    {
        int tests = 0;
        bool Try(byte[] candidate)
        {
            tests++;
            return stillFails(candidate);
        }

        var current = input;
        bool changed = true;
        while (changed && tests < maxTests)
        {
            changed = false;
            int before = current.Length;
            current = RemoveRecords(current, Try, () => tests < maxTests);
            current = RemoveRanges(current, Try, () => tests < maxTests);
            current = ZeroBytes(current, Try, () => tests < maxTests);
            changed = current.Length < before;
            log($"  pass done: {current.Length} bytes after {tests} tests");
        }
        return current;
    }

    private static byte[] RemoveRecords(byte[] input, Func<byte[], bool> fails, Func<bool> budgetLeft)
    {
        var current = input;
        for (int chunk = Math.Max(1, CaptureLayout.Parse(current).Records.Count / 2); chunk >= 1 && budgetLeft(); chunk /= 2)
        {
            int index = 0;
            while (budgetLeft())
            {
                var records = CaptureLayout.Parse(current).Records;
                // Keep a pcapng file's first section header: without it nothing else is read.
                int first = records.Count > 0 && records[0].BlockType == PcapNgFormat.SectionHeaderBlock ? Math.Max(index, 1) : index;
                if (first >= records.Count) break;
                int last = Math.Min(records.Count, first + chunk) - 1;
                var candidate = ByteEdits.Remove(current, records[first].Offset, records[last].End - records[first].Offset);
                if (fails(candidate)) current = candidate;
                else index = first + chunk;
            }
        }
        return current;
    }

    private static byte[] RemoveRanges(byte[] input, Func<byte[], bool> fails, Func<bool> budgetLeft)
    {
        var current = input;
        for (int chunk = Math.Max(1, current.Length / 2); chunk >= 1 && budgetLeft(); chunk /= 2)
        {
            int offset = 0;
            while (offset < current.Length && budgetLeft())
            {
                var candidate = ByteEdits.Remove(current, offset, chunk);
                if (fails(candidate)) current = candidate;
                else offset += chunk;
            }
        }
        return current;
    }

    private static byte[] ZeroBytes(byte[] input, Func<byte[], bool> fails, Func<bool> budgetLeft)
    {
        var current = (byte[])input.Clone();
        for (int i = 0; i < current.Length && budgetLeft(); i++)
        {
            if (current[i] == 0) continue;
            byte original = current[i];
            current[i] = 0;
            if (!fails(current)) current[i] = original;
        }
        return current;
    }
}
