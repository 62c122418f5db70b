namespace NetProc.Engine;

/// <summary>How a reader takes output from a buffer: text chunks, byte chunks, or whole lines of text.</summary>
internal enum OutputForm { Text, Bytes, Lines }
