namespace Provisioner.Functions.Telemetry;

/// <summary>A function's own metric of its answers, told the HTTP status of each (null when the answer has none), whoever produced it: the function, the access check or the storage-outage answer.</summary>
internal interface IAnswerMetric
{
    void Record(int? status);
}
