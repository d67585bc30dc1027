using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Provisioner.Functions;
using Provisioner.LocalRunner;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>
/// local.settings.sample.json is what a new user copies before <c>func start</c>: the app's
/// composition must start from exactly its values, with nothing filled in by a test or the runner.
/// </summary>
[Collection(DevelopmentStoragePorts.Name)]
public sealed class SampleSettingsTests
{
    [Fact]
    public async Task Composition_FromExactlyTheSampleValues_StartsAndBuildsEveryFunction()
    {
        // The sample says UseDevelopmentStorage=true: Azurite on 10000-10002. Use one that is
        // already there (./run.sh's), or start our own on those ports.
        Azurite? own = null;
        if (!await Azurite.IsListeningAsync(10002))
        {
            own = Azurite.OnDevelopmentPorts();
            await own.StartAsync();
        }

        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(HostSettings.Sample);
            builder.Services.AddProvisioner(builder.Configuration);
            using var host = builder.Build();

            await host.StartAsync(); // ValidateOnStart: every option is checked here, as on the Functions host.

            // Every [Function] method of the app, found here without the runner's catalog, so a
            // catalog that finds nothing (or misses one) fails instead of checking nothing.
            var assembly = typeof(ProvisionerServiceCollectionExtensions).Assembly;
            var declared = assembly.GetTypes()
                .SelectMany(t => t.GetMethods())
                .Select(m => m.GetCustomAttributes(typeof(FunctionAttribute), false).OfType<FunctionAttribute>().SingleOrDefault()?.Name)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList();
            var functions = FunctionCatalog.Discover(assembly);
            Assert.True(declared.Count >= 10, $"the app declares its functions ({declared.Count} found)");
            Assert.Equal(declared, functions.Select(f => f.Name).Order(StringComparer.Ordinal).ToList());

            foreach (var function in functions)
            {
                using var scope = host.Services.CreateScope();
                var constructor = Assert.Single(function.Type.GetConstructors());
                foreach (var parameter in constructor.GetParameters())
                {
                    // What the worker would inject: each dependency must come from the composition, not be defaulted.
                    Assert.True(scope.ServiceProvider.GetService(parameter.ParameterType) is not null, $"{function.Name} needs {parameter.ParameterType.Name}, which the composition does not provide");
                }

                Assert.IsType(function.Type, ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Type));
            }

            await host.StopAsync();
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Sample_PublicBaseUrl_IsCoreToolsDefaultAddress()
    {
        // Core Tools listens on 7071 unless told otherwise; the callbacks of the simulated workflow go there.
        Assert.Equal("http://localhost:7071/", HostSettings.Sample["PUBLIC_BASE_URL"]);
    }

    [Fact]
    public void Sample_CallbackSecret_IsInTheStandardWebhooksFormat()
    {
        var secret = HostSettings.Sample["GITHUB_CALLBACK_SECRET"]!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24, "whsec_ + base64 of at least 24 random bytes");
    }
}
