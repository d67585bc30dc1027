using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Provisioner.Tests.Browser;

/// <summary>axe-core (Deque.AxeCore.Playwright) on the page as it is: no serious or critical violation.</summary>
internal static class Axe
{
    public static async Task AssertNoSeriousViolationsAsync(IPage page, string state)
    {
        var result = await page.RunAxe();
        Assert.NotEmpty(result.Passes); // the engine ran its rules on this page
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(
            serious.Count == 0,
            $"axe found in the {state} state:\n" + string.Join("\n", serious.Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }
}
