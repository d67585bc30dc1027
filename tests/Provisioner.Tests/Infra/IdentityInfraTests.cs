using System.Text.Json;
using static Provisioner.Tests.Infra.CompiledInfra;

namespace Provisioner.Tests.Infra;

/// <summary>The deployed app signs people in with Entra ID, from parameters, and chooses how callbacks are proven.</summary>
public sealed class IdentityInfraTests(CompiledInfra infra) : IClassFixture<CompiledInfra>
{
    private JsonElement AppSettings => Resource(infra.Module("functionapp").Template, "Microsoft.Web/sites/config").GetProperty("properties");

    private string Setting(string name)
    {
        Assert.True(AppSettings.TryGetProperty(name, out var value), $"app setting {name} is set");
        return value.GetString()!;
    }

    private string Passed(string parameter) =>
        infra.Module("functionapp").Parameters.GetProperty(parameter).GetProperty("value").GetString()!;

    private JsonElement Parameter(string name) => infra.Main.GetProperty("parameters").GetProperty(name);

    [Fact]
    public void AppSettings_TurnEntraSignInOn_WithTheTenantsV2IssuerAndTheApisAudience()
    {
        Assert.Equal("entra", Setting("AUTH_MODE"));
        Assert.Equal("[parameters('authAuthority')]", Setting("AUTH_AUTHORITY"));
        Assert.Equal("[parameters('authAudience')]", Setting("AUTH_AUDIENCE"));
        Assert.Equal("[variables('authAuthority')]", Passed("authAuthority"));
        var authority = infra.Main.GetProperty("variables").GetProperty("authAuthority").GetString()!;
        Assert.Contains("environment().authentication.loginEndpoint", authority, StringComparison.Ordinal);
        Assert.Contains("parameters('authTenantId')", authority, StringComparison.Ordinal);
        Assert.Contains("/v2.0", authority, StringComparison.Ordinal);
        Assert.Equal("[variables('authAudience')]", Passed("authAudience"));
        var audience = infra.Main.GetProperty("variables").GetProperty("authAudience").GetString()!;
        Assert.Contains("parameters('authApiClientId')", audience, StringComparison.Ordinal);
        Assert.Contains("parameters('authApiAppIdUri')", audience, StringComparison.Ordinal);
        Assert.False(Parameter("authApiClientId").TryGetProperty("defaultValue", out _), "the API's client id must be given");
        Assert.Equal("[subscription().tenantId]", Parameter("authTenantId").GetProperty("defaultValue").GetString());
    }

    [Fact]
    public void AppSettings_CallbackAuth_IsAParameter_HmacByDefault()
    {
        Assert.Equal("[parameters('callbackAuth')]", Setting("CALLBACK_AUTH"));
        Assert.Equal("[parameters('callbackAuth')]", Passed("callbackAuth"));
        var parameter = Parameter("callbackAuth");
        Assert.Equal("hmac", parameter.GetProperty("defaultValue").GetString());
        Assert.Equal(["hmac", "oidc", "any"], parameter.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()!));
    }

    [Fact]
    public void Outputs_GiveThePageItsSignIn()
    {
        var outputs = infra.Main.GetProperty("outputs");
        foreach (var name in new[] { "WEB_AUTH_CLIENT_ID", "WEB_AUTH_AUTHORITY", "WEB_AUTH_SCOPE" })
        {
            Assert.True(outputs.TryGetProperty(name, out _), $"output {name}");
        }
    }
}
