namespace NetProc.Engine;

/// <summary>
/// A stream that gives back bytes already read from its inner stream before reading on: a TLS server started in
/// place hands its handshake what the client sent before the upgrade began (its greeting, read as plain input).
/// Writes go straight through.
/// </summary>
internal sealed class PrefixedStream : Stream
{
    private readonly Stream inner;
    private ReadOnlyMemory<byte> prefix;

    public PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner)
    {
        this.prefix = prefix;
        this.inner = inner;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => prefix.IsEmpty ? inner.Read(buffer) : TakePrefix(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        prefix.IsEmpty ? inner.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(TakePrefix(buffer.Span));

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Copies what is left of the prefix, as much as fits, into <paramref name="buffer"/> (a zero-byte read: none, at once).</summary>
    private int TakePrefix(Span<byte> buffer)
    {
        int n = Math.Min(prefix.Length, buffer.Length);
        prefix.Span[..n].CopyTo(buffer);
        prefix = prefix[n..];
        return n;
    }
}
