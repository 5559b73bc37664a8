using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DsnGateway.EmbeddedStore;

/// <summary>The response of an in-memory request: status, headers and a buffered body.</summary>
internal sealed class InMemoryResponseFeature : IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
    private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];
    private readonly MemoryStream _body = new();
    private PipeWriter? _writer;

    public int StatusCode { get; set; } = 200;
    public string? ReasonPhrase { get; set; }
    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();
    public bool HasStarted { get; private set; }

    Stream IHttpResponseFeature.Body
    {
        get => Stream;
        set => throw new NotSupportedException("The in-memory response body cannot be replaced.");
    }

    public Stream Stream => new StartingStream(this);
    public PipeWriter Writer => _writer ??= PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));

    public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Insert(0, (callback, state));
    public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Insert(0, (callback, state));

    public void DisableBuffering()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (HasStarted) return;
        foreach (var (callback, state) in _onStarting) await callback(state);
        HasStarted = true;
    }

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await using var file = File.OpenRead(path);
        file.Seek(offset, SeekOrigin.Begin);
        if (count is { } c)
        {
            var buffer = new byte[c];
            await file.ReadExactlyAsync(buffer, cancellationToken);
            _body.Write(buffer);
        }
        else
        {
            await file.CopyToAsync(_body, cancellationToken);
        }
    }

    public async Task CompleteAsync()
    {
        if (_writer is not null) await _writer.FlushAsync();
        await StartAsync();
        foreach (var (callback, state) in _onCompleted) await callback(state);
    }

    public InMemoryResponse ToResponse() => new(StatusCode, Headers, _body.ToArray());

    /// <summary>Writes go to the buffer; the first one starts the response (runs OnStarting callbacks).</summary>
    private sealed class StartingStream(InMemoryResponseFeature owner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => owner._body.Length;
        public override long Position { get => owner._body.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => owner.StartAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            owner.StartAsync().GetAwaiter().GetResult();
            owner._body.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await owner.StartAsync(cancellationToken);
            owner._body.Write(buffer.Span);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}

internal sealed record InMemoryResponse(int StatusCode, IHeaderDictionary Headers, byte[] Body);
