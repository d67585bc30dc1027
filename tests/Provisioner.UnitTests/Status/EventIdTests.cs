using Provisioner.Functions.Status;

namespace Provisioner.Tests.Status;

/// <summary>The ids of job events: increasing along a stream, and telling a resumed stream where its caller is.</summary>
public sealed class EventIdTests
{
    private static readonly DateTimeOffset V1 = new(2026, 12, 7, 12, 0, 0, 123, TimeSpan.Zero);
    private static readonly DateTimeOffset V2 = V1.AddMilliseconds(850);

    [Fact]
    public void Next_IncreasesWhetherTheRowChangedOrOnlyTheDocument()
    {
        var first = EventId.Of(V1);
        var sameRow = first.Next(V1);
        var newRow = sameRow.Next(V2);
        Assert.True(sameRow.Value > first.Value);
        Assert.True(newRow.Value > sameRow.Value);
        Assert.Equal(0, newRow.Sequence);
        Assert.Equal(V2.ToUnixTimeMilliseconds() * EventId.PerVersion, newRow.Value);
    }

    [Fact]
    public void Parse_RoundTripsWhatWasSent()
    {
        var sent = EventId.Of(V1).Next(V1).Next(V1);
        Assert.Equal(sent, EventId.Parse(sent.ToString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999999")]
    public void Parse_OfWhatIsNotOneOfOurIds_IsNull(string? header) => Assert.Null(EventId.Parse(header));

    [Fact]
    public void ResumeFrom_AnIdOfTheCurrentRowVersion_ContinuesWithoutSendingTheDocumentAgain()
    {
        var seen = EventId.Of(V1).Next(V1);
        Assert.Equal(seen, EventId.ResumeFrom(seen, V1));
    }

    [Fact]
    public void ResumeFrom_AnOlderIdAFutureIdOrNone_SendsTheCurrentDocumentFirst()
    {
        Assert.Null(EventId.ResumeFrom(EventId.Of(V1), V2)); // the job changed since
        Assert.Null(EventId.ResumeFrom(EventId.Of(V2), V1)); // not ours: ahead of the row
        Assert.Null(EventId.ResumeFrom(EventId.Parse("7"), V1));
        Assert.Null(EventId.ResumeFrom(null, V1));
    }
}
