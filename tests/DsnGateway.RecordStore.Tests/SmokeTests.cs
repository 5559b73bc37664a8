namespace DsnGateway.RecordStore.Tests; public class SmokeTests { [Fact] public void Ok() => 1.Should().Be(1); }
