using Azure.Data.Tables;

namespace Provisioner.Functions.Audit;

/// <summary>
/// The person's request being answered, for the job writes it makes (docs/audit.md, "Written with
/// the change"). <see cref="AuditMiddleware"/> begins one around each audited request;
/// <see cref="AuditTrail"/>, a participant in every job write, reads it to add the request's entry
/// to the first job transaction of the request, and records here what committed. Flows with the
/// request's async calls (an <see cref="AsyncLocal{T}"/>); work that is not a person's request
/// (a queue message, a timer, a workflow's callback) has none and writes no entry.
/// </summary>
internal sealed class AuditScope
{
    private static readonly AsyncLocal<AuditScope?> CurrentScope = new();
    private readonly List<AuditEntity> _committed = [];
    private readonly Lock _gate = new();

    private readonly Func<AuditActor?> _actor;

    private AuditScope(Func<AuditActor?> actor, string action, string? target)
    {
        _actor = actor;
        Action = action;
        Target = target;
    }

    /// <summary>
    /// The open scope of the request this code runs for; null outside one, and once it has ended
    /// (work a request started and left running is not that request's change).
    /// </summary>
    public static AuditScope? Current => CurrentScope.Value is { Ended: false } scope ? scope : null;

    private bool Ended { get; set; }

    /// <summary>Who acts, as the access check found it (asked when the entry is written, after that check).</summary>
    public AuditActor? Actor => _actor();

    public string Action { get; }

    /// <summary>What the request names (<c>agent/{id}</c>, <c>job/{id}</c>); null: the job written.</summary>
    public string? Target { get; }

    /// <summary>The entries written in a job's transaction that committed (at most one a request).</summary>
    public IReadOnlyList<AuditEntity> Committed
    {
        get
        {
            lock (_gate)
            {
                return [.. _committed];
            }
        }
    }

    public bool HasCommitted
    {
        get
        {
            lock (_gate)
            {
                return _committed.Count > 0;
            }
        }
    }

    /// <summary>Begins the scope of a request; disposing the result ends it.</summary>
    public static Ending Begin(Func<AuditActor?> actor, string action, string? target)
    {
        var previous = CurrentScope.Value;
        var scope = new AuditScope(actor, action, target);
        CurrentScope.Value = scope;
        return new Ending(scope, previous);
    }

    public void AddCommitted(IEnumerable<ITableEntity> rows)
    {
        lock (_gate)
        {
            _committed.AddRange(rows.OfType<AuditEntity>());
        }
    }

    /// <summary>Puts back the scope that was current before <see cref="Begin"/>.</summary>
    internal readonly struct Ending(AuditScope scope, AuditScope? previous) : IDisposable
    {
        public AuditScope Scope => scope;

        public void Dispose()
        {
            scope.Ended = true;
            CurrentScope.Value = previous;
        }
    }
}
