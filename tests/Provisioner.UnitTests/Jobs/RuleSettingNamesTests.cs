using Provisioner.Functions.Jobs;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Tests.Jobs;

/// <summary>
/// The job model reads no settings, yet its messages name them: the names it writes must be
/// the ones the options classes bind.
/// </summary>
public sealed class RuleSettingNamesTests
{
    [Fact]
    public void DeadlineMessages_NameTheSettingsTheTimeoutOptionsBind()
    {
        Assert.Equal(TimeoutOptions.DispatchStartSetting, DeadlineLimits.DispatchStartSetting);
        Assert.Equal(TimeoutOptions.SilenceSetting, DeadlineLimits.SilenceSetting);
        Assert.Equal(TimeoutOptions.MaxSetting, DeadlineLimits.MaxSetting);
    }

    [Fact]
    public void KeepRules_NameTheSettingAndSlackTheKeepOptionsBind()
    {
        Assert.Equal(KeepServerOptions.KeepSetting, KeepPolicy.Setting);
        Assert.Equal(KeepServerOptions.Slack, KeepPolicy.Slack);
        Assert.Equal(new KeepServerOptions().Keeps, new KeepPolicy(new KeepServerOptions().KeepFailedServerMinutes).Keeps);
    }
}
