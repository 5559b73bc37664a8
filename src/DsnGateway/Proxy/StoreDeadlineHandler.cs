namespace DsnGateway.Proxy;

/// <summary>
/// The gateway's own exchanges with a remote store (authorization checks, admin operations, delivery) end by a
/// deadline: the answer, its body included, must have arrived within <c>RecordStore:TimeoutSeconds</c>, or the
/// exchange fails as an unreachable store does (<see cref="HttpRequestException"/>), which every caller already
/// answers (503 for a check, a retry for a delivery). A body cut short is the same failure, never a half-read answer.
/// </summary>
internal sealed class StoreDeadlineHandler(HttpMessageInvoker inner, TimeSpan deadline) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        HttpResponseMessage? response = null;
        try
        {
            response = await inner.SendAsync(request, timeout.Token);
            await response.Content.LoadIntoBufferAsync(timeout.Token);
            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new HttpRequestException($"The record store did not answer within {deadline.TotalSeconds:0.###} s.", new TimeoutException(ex.Message, ex));
        }
        catch (IOException ex)
        {
            response?.Dispose();
            throw new HttpRequestException("The record store's answer was cut short.", ex);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
