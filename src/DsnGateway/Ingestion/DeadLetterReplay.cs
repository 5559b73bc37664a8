using DsnGateway.Hl7v2;

namespace DsnGateway.Ingestion;

/// <summary>
/// Runs a dead letter again: a message refused at the envelope or content stage goes through the intake as if
/// just received (after a fix or a configuration change); one that failed delivery goes back to the delivery
/// queue. Used by <c>deadletters replay</c> and <c>POST /admin/deadletters/{id}/replay</c>.
/// </summary>
internal sealed class DeadLetterReplay(InboxStore inbox, Hl7Intake intake, InboxSignal signal)
{
    public async Task<string> ReplayAsync(long id, CancellationToken cancellationToken)
    {
        var letter = await inbox.GetDeadLetterAsync(id, cancellationToken);
        if (letter is null) return "unknown dead letter";
        if (letter.Summary.Replayed) return "already replayed";
        if (letter.Summary.Stage == DeadLetterStage.Delivery)
        {
            if (!await inbox.RequeueForDeliveryAsync(id, cancellationToken: cancellationToken)) return "unknown dead letter";
            signal.Raise();
            return "requeued for delivery";
        }
        var outcome = await intake.ReceiveAsync(letter.Raw, null, replay: true, cancellationToken);
        if (outcome.Code != AckCode.AA) return $"still refused ({outcome.Code})";
        await inbox.MarkReplayedAsync(id, cancellationToken);
        return "accepted (AA)";
    }
}
