using System.Text;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Jobs;

namespace Provisioner.Tests.Jobs;

/// <summary>Regressions the fuzzer found, and the reader's edges.</summary>
public sealed class CallbackParserTests
{
    private const string Job = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public void TryParse_InvalidUtf8InsideAString_IsRefusedNotThrown()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"prov").Concat(new byte[] { 0xC3, 0x28 }).Concat("isioning\"}"u8.ToArray()).ToArray();
        Assert.False(CallbackParser.TryParse(body, out _, out var error));
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
        Assert.False(CreateJobRequest.TryParse(body, out _, out _));
    }

    [Fact]
    public void TryParse_LoneSurrogateEscape_IsRefusedNotThrown()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"failed\",\"error\":\"\\ud800\"}}");
        var parsed = CallbackParser.TryParse(body, out var callback, out var error);
        Assert.True(parsed ? callback is not null : error is not null);
        Assert.False(CreateJobRequest.TryParse(Encoding.UTF8.GetBytes("{\"agent_id\":\"\\udc00\",\"region\":\"eu\"}"), out _, out _));
    }

    [Fact]
    public void TryParse_NumericRunIdAndServerId_AreReadAsText()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"running\",\"server_id\":4711,\"workflow_run_id\":123}}");
        Assert.True(CallbackParser.TryParse(body, out var callback, out _));
        Assert.Equal("4711", callback.Server?.Id);
        Assert.Equal("123", callback.WorkflowRunId);
    }

    [Fact]
    public void TryParse_DeepNesting_IsRefused() =>
        Assert.False(CallbackParser.TryParse(Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100)), out _, out _));
}
