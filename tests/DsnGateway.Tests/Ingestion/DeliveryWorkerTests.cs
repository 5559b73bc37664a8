using DsnGateway.Ingestion;

namespace DsnGateway.Tests.Ingestion;

/// <summary>Stage 4 against a scripted record store: order per patient, outages, refusals, restarts.</summary>
public class DeliveryWorkerTests
{
    [Fact]
    public async Task Each_patient_is_delivered_in_arrival_order_while_another_patient_proceeds_past_a_blocked_one()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var releaseA1 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recordStore = new RecordStoreDouble
        {
            Before = async (name, token) =>
            {
                if (name == "A1") await releaseA1.Task.WaitAsync(token);
                return null;
            },
        };
        // Started before anything is admitted: the commit signal wakes it (its poll is 30 s away).
        await kit.NewWorker(recordStore).StartAsync(CancellationToken.None);

        foreach (var (control, patient) in new[] { ("A1", "A"), ("B1", "B"), ("A2", "A"), ("B2", "B"), ("A3", "A"), ("B3", "B") })
        {
            (await writer.AdmitAsync(InboxTestKit.Message(control, patient), CancellationToken.None)).Should().BeOfType<Admission.Committed>();
        }

        // Patient A's first delivery hangs; patient B's all go through meanwhile, and A's later ones wait their turn.
        await InboxTestKit.WaitUntilAsync(() => recordStore.Applied.Count(n => n.StartsWith('B')) == 3, "patient B is delivered");
        recordStore.Calls.Should().NotContain(["A2", "A3"]);
        recordStore.Applied.Should().NotContain("A1");

        releaseA1.SetResult();
        await InboxTestKit.WaitUntilAsync(() => recordStore.Applied.Count == 6, "everything is delivered");

        recordStore.Applied.Where(n => n.StartsWith('A')).Should().Equal("A1", "A2", "A3");
        recordStore.Applied.Where(n => n.StartsWith('B')).Should().Equal("B1", "B2", "B3");
        await InboxTestKit.WaitUntilAsync(async () => (await kit.MessagesAsync()).All(m => m.State == InboxMessageState.Delivered), "all are marked delivered");
        (await kit.MessagesAsync()).Should().OnlyContain(m => m.Attempts == 1 && m.DeliveredAt != null && m.LastError == null);
    }

    [Fact]
    public async Task Many_messages_of_several_patients_arriving_in_concurrent_batches_keep_each_patients_order()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var recordStore = new RecordStoreDouble
        {
            Before = async (_, _) =>
            {
                await Task.Yield();
                return null;
            },
        };
        await kit.NewWorker(recordStore).StartAsync(CancellationToken.None);

        // Each patient's messages are sent one after another (a sender's order); the patients send concurrently.
        var patients = Enumerable.Range(0, 6).Select(p => $"P{p}").ToList();
        await Task.WhenAll(patients.Select(patient => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await writer.AdmitAsync(InboxTestKit.Message($"{patient}-{i:D2}", patient), CancellationToken.None);
            }
        })));

        await InboxTestKit.WaitUntilAsync(() => recordStore.Applied.Count == 150, "everything is delivered");
        recordStore.Applied.Should().OnlyHaveUniqueItems();
        foreach (var patient in patients)
        {
            recordStore.Applied.Where(n => n.StartsWith(patient + "-")).Should()
                .Equal(Enumerable.Range(0, 25).Select(i => $"{patient}-{i:D2}"));
        }
    }

    [Fact]
    public async Task During_an_outage_messages_are_retried_then_each_delivered_exactly_once_in_order()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var failures = 0;
        var recordStore = new RecordStoreDouble
        {
            // The store is down for five calls: the connection refused once, then 503s.
            Before = (_, _) => Interlocked.Increment(ref failures) switch
            {
                1 => throw new HttpRequestException("Connection refused"),
                <= 5 => Task.FromResult<DeliveryResult?>(DeliveryResult.FromStatusCode(503)),
                _ => Task.FromResult<DeliveryResult?>(null),
            },
        };
        foreach (var control in new[] { "M1", "M2", "M3", "M4" })
        {
            await writer.AdmitAsync(InboxTestKit.Message(control, "A"), CancellationToken.None);
        }
        await kit.NewWorker(recordStore).StartAsync(CancellationToken.None);

        await InboxTestKit.WaitUntilAsync(async () => (await kit.MessagesAsync()).All(m => m.State == InboxMessageState.Delivered), "all are delivered");

        recordStore.Applied.Should().Equal("M1", "M2", "M3", "M4");
        recordStore.Calls.Should().Equal("M1", "M1", "M1", "M1", "M1", "M1", "M2", "M3", "M4");
        var stored = await kit.MessagesAsync();
        stored.Select(m => m.Attempts).Should().Equal(6, 1, 1, 1);
        stored.Should().OnlyContain(m => m.LastError == null);
        (await kit.Store.ListDeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_message_refused_for_good_becomes_a_delivery_dead_letter_and_the_patients_next_messages_still_go()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        const string reason = "HTTP 422: Patient.birthDate: invalid date";
        var recordStore = new RecordStoreDouble
        {
            Before = (name, _) => Task.FromResult(name == "A2" ? DeliveryResult.FromStatusCode(422, "Patient.birthDate: invalid date") : null),
        };
        var ids = new List<long>();
        foreach (var control in new[] { "A1", "A2", "A3" })
        {
            ids.Add(((Admission.Committed)await writer.AdmitAsync(InboxTestKit.Message(control, "A"), CancellationToken.None)).Id);
        }
        await kit.NewWorker(recordStore).StartAsync(CancellationToken.None);

        await InboxTestKit.WaitUntilAsync(async () => (await kit.MessagesAsync()).All(m => m.State != InboxMessageState.Pending), "all are settled");

        recordStore.Applied.Should().Equal("A1", "A3");
        recordStore.Calls.Should().Equal("A1", "A2", "A3");
        var dead = (await kit.Store.GetMessageAsync(ids[1], CancellationToken.None))!;
        dead.State.Should().Be(InboxMessageState.Dead);
        dead.LastError.Should().Be(reason);
        dead.Attempts.Should().Be(1);

        var letter = (await kit.Store.ListDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.Stage.Should().Be(DeadLetterStage.Delivery);
        letter.Reason.Should().Be(reason);
        letter.ControlId.Should().Be("A2");
        letter.SenderApplication.Should().Be("ADT_NIM");
        var stored = (await kit.Store.GetDeadLetterAsync(letter.Id))!;
        stored.MessageId.Should().Be(ids[1]);
        stored.Raw.Should().Equal(InboxTestKit.Raw("A2"));

        // The operator replays it after the mapping was fixed: the re-mapped Bundle is delivered.
        (await kit.Store.RequeueForDeliveryAsync(letter.Id, InboxTestKit.Bundle("A2-fixed"))).Should().BeTrue();
        (await kit.Store.RequeueForDeliveryAsync(letter.Id)).Should().BeFalse("it was replayed already");
        kit.Signal.Raise();
        await InboxTestKit.WaitUntilAsync(() => recordStore.Applied.Contains("A2-fixed"), "the replayed message is delivered");
        await InboxTestKit.WaitUntilAsync(async () => (await kit.Store.GetMessageAsync(ids[1], CancellationToken.None))!.State == InboxMessageState.Delivered,
            "the replayed message is marked delivered");
        (await kit.Store.ListDeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Messages_left_pending_by_a_stopped_worker_are_delivered_by_the_next_one_on_the_same_inbox()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        foreach (var (control, patient) in new[] { ("A1", "A"), ("B1", "B"), ("A2", "A"), ("A3", "A"), ("B2", "B") })
        {
            await writer.AdmitAsync(InboxTestKit.Message(control, patient), CancellationToken.None);
        }

        // The first worker's store never answers (the gateway is shutting down in the middle of an attempt).
        var attempted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = new RecordStoreDouble
        {
            Before = async (_, token) =>
            {
                attempted.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
                return null;
            },
        };
        var first = kit.NewWorker(hanging);
        await first.StartAsync(CancellationToken.None);
        await attempted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await first.StopAsync(CancellationToken.None);

        hanging.Applied.Should().BeEmpty();
        (await kit.MessagesAsync()).Should().OnlyContain(m => m.State == InboxMessageState.Pending);

        // A new process: another store object and worker over the same inbox.db.
        var reopened = new InboxStore(kit.Store.DatabasePath);
        var recordStore = new RecordStoreDouble();
        await using (var second = new DeliveryWorker(reopened, recordStore.DeliverAsync, TimeProvider.System, InboxTestKit.FastRetries(), new InboxSignal()))
        {
            await second.StartAsync(CancellationToken.None);
            await InboxTestKit.WaitUntilAsync(async () => (await reopened.ListMessagesAsync(CancellationToken.None)).All(m => m.State == InboxMessageState.Delivered),
                "the next worker delivered everything");
        }
        reopened.ReleaseConnections();

        recordStore.Applied.Should().HaveCount(5);
        recordStore.Applied.Where(n => n.StartsWith('A')).Should().Equal("A1", "A2", "A3");
        recordStore.Applied.Where(n => n.StartsWith('B')).Should().Equal("B1", "B2");
    }

    [Theory]
    [InlineData(200, DeliveryOutcome.Delivered)]
    [InlineData(201, DeliveryOutcome.Delivered)]
    [InlineData(400, DeliveryOutcome.Permanent)]
    [InlineData(404, DeliveryOutcome.Permanent)]
    [InlineData(422, DeliveryOutcome.Permanent)]
    [InlineData(401, DeliveryOutcome.Transient)]
    [InlineData(403, DeliveryOutcome.Transient)]
    [InlineData(408, DeliveryOutcome.Transient)]
    [InlineData(429, DeliveryOutcome.Transient)]
    [InlineData(500, DeliveryOutcome.Transient)]
    [InlineData(503, DeliveryOutcome.Transient)]
    public void Store_answers_are_classified_by_status(int status, DeliveryOutcome expected)
    {
        DeliveryResult.FromStatusCode(status).Outcome.Should().Be(expected);
    }
}
