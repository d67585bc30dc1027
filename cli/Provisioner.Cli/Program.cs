using Provisioner.Cli;

// Ctrl+C ends a watch cleanly: the token reaches every request and the stream.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};

var console = new CliConsole(Console.Out, Console.Error, Environment.GetEnvironmentVariable, !Console.IsOutputRedirected);
return await CliApp.RunAsync(args, console, interrupt.Token);
