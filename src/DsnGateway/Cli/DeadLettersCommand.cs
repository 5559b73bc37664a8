using System.CommandLine;
using System.Globalization;
using DsnGateway.Ingestion;

namespace DsnGateway.Cli;

/// <summary>
/// <c>deadletters list</c> and <c>deadletters replay &lt;id|--all&gt;</c>: the messages the gateway kept but could not
/// take (refused at the envelope or content stage, or that failed delivery), acted on in the data directory
/// directly, whether or not a gateway is running.
/// </summary>
internal static class DeadLettersCommand
{
    private static readonly Argument<string?> Id = new("id") { Description = "The dead letter's id (from list)", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> All = new("--all") { Description = "Replay every dead letter not yet replayed" };

    public static Command Create()
    {
        var list = new Command("list", "One line per kept message: id, received, sender, control id, stage, reason.");
        list.SetAction(ListAsync);
        var replay = new Command("replay", "Run kept messages through the intake again (after a fix or a configuration change).") { Id, All };
        replay.SetAction(ReplayAsync);
        return new Command("deadletters", "The dead letters of HL7 v2 ingestion.") { list, replay };
    }

    private static async Task<int> ListAsync(ParseResult result, CancellationToken cancellationToken)
    {
        await using var services = await CommandServices.OpenAsync(result, cancellationToken);
        var letters = await services.Inbox.ListDeadLettersAsync(includeReplayed: false, cancellationToken);
        foreach (var l in letters)
        {
            Console.Out.WriteLine(string.Join('\t',
                l.Id.ToString(CultureInfo.InvariantCulture),
                l.Received.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                $"{l.SenderApplication ?? "?"}/{l.SenderFacility ?? "?"}",
                l.ControlId ?? "-",
                l.Stage.ToString().ToLowerInvariant(),
                l.Reason));
        }
        if (letters.Count == 0) Console.Error.WriteLine("no dead letters");
        return 0;
    }

    private static async Task<int> ReplayAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var id = result.GetValue(Id);
        var all = result.GetValue(All);
        if (all == (id is not null))
        {
            Console.Error.WriteLine("Give one dead letter id, or --all.");
            return 2;
        }
        if (id is not null && !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            Console.Error.WriteLine($"'{id}' is not a dead letter id.");
            return 2;
        }
        await using var services = await CommandServices.OpenAsync(result, cancellationToken);
        var ids = all
            ? (await services.Inbox.ListDeadLettersAsync(includeReplayed: false, cancellationToken)).Select(l => l.Id).ToList()
            : [long.Parse(id!, CultureInfo.InvariantCulture)];
        if (ids.Count == 0) Console.Error.WriteLine("no dead letters to replay");
        var failures = 0;
        foreach (var letterId in ids)
        {
            var outcome = await services.Replay.ReplayAsync(letterId, cancellationToken);
            Console.Out.WriteLine($"{letterId}\t{outcome}");
            if (outcome.StartsWith("still refused", StringComparison.Ordinal) || outcome.StartsWith("unknown", StringComparison.Ordinal)) failures++;
        }
        return failures == 0 ? 0 : 1;
    }
}
