using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.LocalRunner;

/// <summary>One function of the app: its name, method and trigger, read from the attributes the Functions SDK reads.</summary>
public sealed record FunctionEntry(string Name, Type Type, MethodInfo Method, ParameterInfo Trigger, Attribute TriggerAttribute);

/// <summary>Finds the functions of an assembly, as the Functions SDK does when it writes functions.metadata.</summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<FunctionEntry> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var entries = new List<FunctionEntry>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var trigger = method.GetParameters()
                    .Select(p => (Parameter: p, Attribute: p.GetCustomAttributes().FirstOrDefault(a => a is HttpTriggerAttribute or QueueTriggerAttribute or TimerTriggerAttribute)))
                    .FirstOrDefault(p => p.Attribute is not null);
                if (trigger.Attribute is null)
                {
                    throw new InvalidOperationException($"{type.Name}.{method.Name}: the local runner drives HTTP, queue and timer triggers only.");
                }

                entries.Add(new FunctionEntry(function.Name, type, method, trigger.Parameter, trigger.Attribute));
            }
        }

        return entries;
    }

    /// <summary>Whether the app setting <c>AzureWebJobs.{name}.Disabled</c> turns the function off, as on the Functions host.</summary>
    public static bool IsDisabled(IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[$"AzureWebJobs.{name}.Disabled"] ?? configuration[$"AzureWebJobs:{name}:Disabled"];
        return bool.TryParse(value, out var disabled) && disabled;
    }
}
