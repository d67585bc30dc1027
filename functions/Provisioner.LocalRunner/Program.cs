using Microsoft.Extensions.Options;
using Provisioner.LocalRunner;

try
{
    await using var app = LocalRunnerApp.Create(args);
    await app.RunAsync();
    return 0;
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
catch (OptionsValidationException e)
{
    foreach (var failure in e.Failures)
    {
        await Console.Error.WriteLineAsync($"Configuration error: {failure}");
    }

    return 1;
}
catch (Provisioner.Functions.Storage.StorageNotConfiguredException e)
{
    await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
    return 1;
}
