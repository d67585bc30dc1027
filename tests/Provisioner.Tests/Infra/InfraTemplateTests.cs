using System.Text.Json;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;
using static Provisioner.Tests.Infra.CompiledInfra;

namespace Provisioner.Tests.Infra;

/// <summary>
/// What the deployed system relies on, read from the ARM template that infra/main.bicep compiles
/// to, so that a refactor of the Bicep cannot drop one of these properties silently.
/// </summary>
public sealed class InfraTemplateTests(CompiledInfra infra) : IClassFixture<CompiledInfra>
{
    // Built-in role definition ids, the same in every tenant.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";

    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    private JsonElement FunctionApp => Resource(infra.Module("functionapp").Template, "Microsoft.Web/sites");

    private JsonElement AppSettings => Resource(infra.Module("functionapp").Template, "Microsoft.Web/sites/config").GetProperty("properties");

    private string Setting(string name)
    {
        Assert.True(AppSettings.TryGetProperty(name, out var value), $"app setting {name} is set");
        return value.GetString()!;
    }

    /// <summary>The expression main passes to <paramref name="module"/> for <paramref name="parameter"/>.</summary>
    private string Passed(string module, string parameter) =>
        infra.Module(module).Parameters.GetProperty(parameter).GetProperty("value").GetString()!;

    /// <summary>Asserts that an expression main passes to a module is the output of another module.</summary>
    private static void AssertIsOutput(string expression, string module, string output) =>
        Assert.Matches($@"^\[reference\(.*'Microsoft\.Resources/deployments', '{module}'\), '[^']+'\)\.outputs\.{output}\.value\]$", expression);

    [Fact]
    public void Plan_IsFlexConsumption()
    {
        var plan = Resource(infra.Module("functionapp").Template, "Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Contains("Microsoft.Web/serverfarms", FunctionApp.GetProperty("properties").GetProperty("serverFarmId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionApp_RunsDotnetIsolated10_AndDeploysFromBlobAsItsIdentity()
    {
        var config = FunctionApp.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());

        var storage = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("UserAssignedIdentity", storage.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("[parameters('identityId')]", storage.GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
    }

    [Fact]
    public void FunctionApp_RunsAsTheUserAssignedIdentity_AlsoForKeyVaultReferences()
    {
        var identity = FunctionApp.GetProperty("identity");
        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        Assert.Contains("parameters('identityId')", Assert.Single(identity.GetProperty("userAssignedIdentities").EnumerateObject()).Name, StringComparison.Ordinal);
        Assert.Equal("[parameters('identityId')]", FunctionApp.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());

        Resource(infra.Module("identity").Template, "Microsoft.ManagedIdentity/userAssignedIdentities");
        AssertIsOutput(Passed("functionapp", "identityId"), "identity", "id");
        AssertIsOutput(Passed("functionapp", "identityClientId"), "identity", "clientId");
    }

    [Fact]
    public void Storage_RefusesSharedKeysAndAnonymousReads()
    {
        var account = Resource(infra.Module("storage").Template, "Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
    }

    [Fact]
    public void Storage_HasTheDeploymentContainerAndTheAppsTablesAndQueues()
    {
        var template = infra.Module("storage").Template;
        Assert.Single(Resources(template, "Microsoft.Storage/storageAccounts/blobServices/containers"));
        Assert.Single(Resources(template, "Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.Single(Resources(template, "Microsoft.Storage/storageAccounts/tableServices/tables"));

        var parameters = infra.Module("storage").Parameters;
        Assert.Equal(
            // Every table the app names, so a new one cannot be left out of the deployment (as `quotas` was).
            typeof(StorageNames).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Where(f => f.IsLiteral && f.Name.EndsWith("Table", StringComparison.Ordinal)).Select(f => (string?)f.GetRawConstantValue()).Order(),
            parameters.GetProperty("tableNames").GetProperty("value").EnumerateArray().Select(n => n.GetString()).Order());
        Assert.Equal(
            new[] { StorageNames.DispatchQueue, StorageNames.DispatchPoisonQueue, StorageNames.NotifyQueue, StorageNames.NotifyPoisonQueue, Provisioner.Functions.Lifecycle.CancelRunMessage.Queue, Provisioner.Functions.Lifecycle.CancelRunMessage.PoisonQueue }.Order(),
            parameters.GetProperty("queueNames").GetProperty("value").EnumerateArray().Select(n => n.GetString()).Order());
    }

    [Theory]
    [InlineData("DISPATCH_START_MINUTES", "dispatchStartMinutes", 10)]
    [InlineData("JOB_TIMEOUT_MINUTES", "jobTimeoutMinutes", 15)]
    [InlineData("JOB_MAX_MINUTES", "jobMaxMinutes", 60)]
    [InlineData("CANCEL_CONFIRM_MINUTES", "cancelConfirmMinutes", 15)]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "keepFailedServerMinutes", 30)]
    public void AppSettings_SetEachDeadline_FromAParameterWithTheAppsDefault(string setting, string parameter, int defaultMinutes)
    {
        Assert.Equal($"[string(parameters('{parameter}'))]", Setting(setting));
        Assert.Equal($"[parameters('{parameter}')]", Passed("functionapp", parameter));
        Assert.Equal(defaultMinutes, infra.Main.GetProperty("parameters").GetProperty(parameter).GetProperty("defaultValue").GetInt32());
    }

    /// <summary>
    /// Settings of docs/configuration.md that infra/ deliberately does not write, so the app uses its
    /// default (or Azure sets them). Every other setting documented there must be an app setting.
    /// </summary>
    private static readonly Dictionary<string, string> LeftOut = new(StringComparer.Ordinal)
    {
        // Storage: identity-based, through the service URIs and the identity's client id.
        ["AzureWebJobsStorage"] = "a connection string would carry a key; the app signs in as its identity",
        ["AzureWebJobsStorage__accountName"] = "the service URIs are given instead",
        // Queue tuning: host.json holds it in every environment; an override is a hand-set exception.
        ["AzureFunctionsJobHost__extensions__queues__batchSize"] = "host.json's",
        ["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "host.json's",
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "host.json's",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "host.json's",
        ["AzureFunctionsJobHost__extensions__queues__messageEncoding"] = "host.json's",
        // GitHub: the defaults are github.com's and what the workflows ask for.
        ["GITHUB_OIDC_ISSUER"] = "github.com's issuer; GitHub Enterprise Server only differs",
        ["GITHUB_OIDC_AUDIENCE"] = "defaults to PUBLIC_BASE_URL, which is what callback.sh asks its token for",
        ["GITHUB_RETURN_RUN_DETAILS"] = "a server that does not know it answers as before",
        // Retry tuning with defaults that hold in Azure.
        ["DISPATCH_RETRY_ATTEMPTS"] = "the queue's redelivery multiplies them",
        ["DISPATCH_RETRY_BASE_DELAY_SECONDS"] = "as above",
        ["NOTIFY_RETRY_BASE_SECONDS"] = "delivery back-off",
        ["NOTIFY_RETRY_MAX_SECONDS"] = "delivery back-off",
        ["NOTIFY_MAX_ATTEMPTS"] = "delivery back-off",
        ["NOTIFY_GIVE_UP_HOURS"] = "delivery back-off",
        ["EVENTS_KEEPALIVE_SECONDS"] = "a protocol detail, at most 15",
        // Telemetry: in Azure it goes to Application Insights (APPLICATIONINSIGHTS_*).
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "Application Insights instead",
        ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "Application Insights instead",
        ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "Application Insights instead",
        // Development only, or Azure's own.
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development is a developer's machine; in Azure the app keeps its safe defaults",
        ["WEBSITE_SITE_NAME"] = "set by App Service",
        ["WEBSITE_INSTANCE_ID"] = "set by App Service",
        ["SIMULATOR_STEP_DELAY_MS"] = "the simulated workflow's pace, for development and tests",
        ["SIMULATOR_FAIL_AT"] = "makes the simulated workflow fail, for development and tests",
        ["SIMULATOR_HEALTH"] = "makes the simulated agent unhealthy, for development and tests",
    };

    /// <summary>The rows of the <c>| Setting |</c> tables of docs/configuration.md: each setting's name and its <c>Default</c> cell.</summary>
    private static Dictionary<string, string> DocumentedSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var inSettingTable = false;
        foreach (var line in File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "configuration.md")))
        {
            var cells = line.StartsWith('|') ? line.Trim('|').Split('|').Select(c => c.Trim()).ToArray() : null;
            if (cells is null || cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                inSettingTable = cells is not null && inSettingTable;
                continue;
            }

            if (!cells[0].StartsWith('`'))
            {
                inSettingTable = cells[0] == "Setting";
                continue;
            }

            if (inSettingTable)
            {
                settings.Add(cells[0].Trim('`'), cells[1].Trim('`'));
            }
        }

        return settings;
    }

    [Fact]
    public void AppSettings_CoverEveryDocumentedSetting_ButTheOnesLeftOutOnPurpose()
    {
        var documented = DocumentedSettings();
        Assert.Contains("DEFAULT_TTL_MINUTES", documented.Keys); // the reader found the tables
        var set = AppSettings.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        var notSet = documented.Keys.Where(name => !set.Contains(name) && !LeftOut.ContainsKey(name)).ToArray();
        Assert.True(notSet.Length == 0, $"infra/ sets no app setting for {string.Join(", ", notSet)}: pass it (a parameter with the documented default) or add it to LeftOut with the reason");
        Assert.DoesNotContain(LeftOut.Keys, set.Contains); // set after all: take it off the list
        Assert.DoesNotContain(LeftOut.Keys, name => !documented.ContainsKey(name)); // no longer a setting
    }

    [Theory]
    [InlineData("RECONCILE_AFTER_MINUTES", "reconcileAfterMinutes")]
    [InlineData("EXPIRY_WARNING_MINUTES", "expiryWarningMinutes")]
    [InlineData("AUDIT_RETENTION_DAYS", "auditRetentionDays")]
    [InlineData("EVENTS_MAX_STREAMS", "eventsMaxStreams")]
    [InlineData("EVENTS_STREAM_SECONDS", "eventsStreamSeconds")]
    public void AppSettings_SetEachNumber_FromAParameterWithTheDocumentedDefault(string setting, string parameter)
    {
        Assert.Equal($"[string(parameters('{parameter}'))]", Setting(setting));
        Assert.Equal($"[parameters('{parameter}')]", Passed("functionapp", parameter));
        var declared = infra.Main.GetProperty("parameters").GetProperty(parameter);
        Assert.Equal(DocumentedSettings()[setting], declared.GetProperty("defaultValue").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(declared.TryGetProperty("minValue", out _) && declared.TryGetProperty("maxValue", out _), $"{parameter} has its range");
    }

    [Theory]
    [InlineData("DEFAULT_TTL_MINUTES", "defaultTtlMinutes", 43200)]
    [InlineData("QUOTA_SERVERS_PER_PERSON", "quotaServersPerPerson", Provisioner.Functions.Configuration.QuotaOptions.Max)]
    [InlineData("QUOTA_CREATES_PER_HOUR_PER_PERSON", "quotaCreatesPerHourPerPerson", Provisioner.Functions.Configuration.QuotaOptions.Max)]
    public void AppSettings_SetEachOptionalNumber_EmptyByDefault_AndCheckedAtDeployment(string setting, string parameter, int max)
    {
        Assert.Equal("empty", DocumentedSettings()[setting]); // empty: no end, no quota
        var declared = infra.Main.GetProperty("parameters").GetProperty(parameter);
        Assert.Equal("string", declared.GetProperty("type").GetString());
        Assert.Equal(string.Empty, declared.GetProperty("defaultValue").GetString());

        // Empty, or a whole number in the app's range; anything else stops the deployment, naming the parameter.
        var variable = Passed("functionapp", parameter);
        Assert.Matches(@"^\[variables\('\w+'\)\]$", variable);
        var guard = infra.Main.GetProperty("variables").GetProperty(variable[12..^3]).GetString()!;
        var value = $"parameters('{parameter}')";
        Assert.Equal(
            $"[if(empty({value}), '', if(and(greaterOrEquals(int({value}), 1), lessOrEquals(int({value}), {max})), string(int({value})), fail('{parameter} (PROVISIONER_{setting}) must be empty or ",
            guard[..guard.IndexOf("must be empty or ", StringComparison.Ordinal)] + "must be empty or ");
        Assert.Equal($"[parameters('{parameter}')]", Setting(setting));
    }

    [Fact]
    public void WorkflowMode_IsEmptyByDefault_OrSimulatedByName()
    {
        var declared = infra.Main.GetProperty("parameters").GetProperty("workflowMode");
        Assert.Equal(string.Empty, declared.GetProperty("defaultValue").GetString());
        Assert.Equal(new[] { string.Empty, "simulated" }, declared.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("[parameters('workflowMode')]", Setting("WORKFLOW_MODE"));
        Assert.Equal("[parameters('workflowMode')]", Passed("functionapp", "workflowMode"));
    }

    [Fact]
    public void AppSettings_UseIdentityBasedStorage_WithNoConnectionStringOrKey()
    {
        Assert.Equal("managedidentity", Setting("AzureWebJobsStorage__credential"));
        Assert.Equal("[parameters('identityClientId')]", Setting("AzureWebJobsStorage__clientId"));
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($"primaryEndpoints.{service}", Setting($"AzureWebJobsStorage__{service}ServiceUri"), StringComparison.Ordinal);
        }

        Assert.False(AppSettings.TryGetProperty("AzureWebJobsStorage", out _), "no AzureWebJobsStorage connection string");
        Assert.DoesNotContain(Strings(infra.Main), s => s.Contains("listKeys(", StringComparison.OrdinalIgnoreCase) || s.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void AppSettings_LeaveOutWhatFlexConsumptionRejects()
    {
        // Flex Consumption sets these itself and fails a deployment that sets them.
        foreach (var name in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING" })
        {
            Assert.False(AppSettings.TryGetProperty(name, out _), $"{name} is not set");
        }
    }

    [Fact]
    public void Identity_HoldsTheStorageDataRoles_OnTheStorageAccount()
    {
        var template = infra.Module("rbac").Template;
        var roles = template.GetProperty("variables").GetProperty("roles");
        var storageRoles = template.GetProperty("variables").GetProperty("storageRoles").EnumerateArray()
            .Select(r => roles.GetProperty(r.GetString()!.Replace("[variables('roles').", string.Empty, StringComparison.Ordinal).TrimEnd(']')).GetString())
            .ToArray();
        Assert.Equal(new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor }.Order(), storageRoles.Order());

        var assignment = Assert.Single(Resources(template, "Microsoft.Authorization/roleAssignments"), r =>
            r.GetProperty("properties").GetProperty("principalId").GetString() == "[parameters('appPrincipalId')]"
            && r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Contains("variables('storageRoles')[copyIndex()]", StringComparison.Ordinal));
        Assert.Equal("[length(variables('storageRoles'))]", assignment.GetProperty("copy").GetProperty("count").GetString());
        Assert.Contains("Microsoft.Storage/storageAccounts", assignment.GetProperty("scope").GetString(), StringComparison.Ordinal);
        AssertIsOutput(Passed("rbac", "appPrincipalId"), "identity", "principalId");
    }

    [Fact]
    public void Identity_ReadsSecrets_FromAnRbacVault()
    {
        var template = infra.Module("rbac").Template;
        var secretsUser = template.GetProperty("variables").GetProperty("roles").GetProperty("keyVaultSecretsUser").GetString();
        Assert.Equal(KeyVaultSecretsUser, secretsUser);
        Assert.Single(Resources(template, "Microsoft.Authorization/roleAssignments"), r =>
            r.GetProperty("properties").GetProperty("principalId").GetString() == "[parameters('appPrincipalId')]"
            && r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Contains("variables('roles').keyVaultSecretsUser", StringComparison.Ordinal)
            && r.GetProperty("scope").GetString()!.Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal));

        var vault = Resource(infra.Module("keyvault").Template, "Microsoft.KeyVault/vaults").GetProperty("properties");
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
    }

    [Theory]
    [InlineData("GITHUB_CALLBACK_SECRET", "callbackSecretUri", "github-callback-secret")]
    [InlineData("GITHUB_CALLBACK_SECRET_PREVIOUS", "previousCallbackSecretUri", "github-callback-secret-previous")]
    [InlineData("GITHUB_TOKEN", "githubTokenUri", "github-token")]
    [InlineData("NOTIFY_SECRET", "notifySecretUri", "notify-secret")]
    [InlineData("AGENT_KEY_SECRET", "agentKeySecretUri", "agent-key-secret")]
    public void Secrets_ReachTheApp_AsKeyVaultReferences(string setting, string uriParameter, string secretName)
    {
        Assert.Contains($"format('{KeyVaultReference}{{0}})', parameters('{uriParameter}'))", Setting(setting), StringComparison.Ordinal);
        AssertIsOutput(Passed("functionapp", uriParameter), "keyvault", uriParameter);

        var vault = infra.Module("keyvault").Template;
        var output = vault.GetProperty("outputs").GetProperty(uriParameter).GetProperty("value").GetString()!;
        Assert.Contains($"'Microsoft.KeyVault/vaults/secrets', parameters('name'), '{secretName}')", output, StringComparison.Ordinal);
        Assert.Contains("secretUriWithVersion", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("githubCallbackSecret")]
    [InlineData("githubCallbackSecretPrevious")]
    [InlineData("githubToken")]
    [InlineData("notifySecret")]
    [InlineData("agentKeySecret")]
    public void SecretParameters_AreSecure_AndGoToKeyVaultOnly(string parameter)
    {
        Assert.Equal("securestring", infra.Main.GetProperty("parameters").GetProperty(parameter).GetProperty("type").GetString());

        // The parameter itself, or a variable made from it (the callback secret's guard).
        string[] references =
        [
            $"parameters('{parameter}')",
            .. infra.Main.TryGetProperty("variables", out var variables)
                ? variables.EnumerateObject()
                    .Where(v => Strings(v.Value).Any(s => s.Contains($"parameters('{parameter}')", StringComparison.Ordinal)))
                    .Select(v => $"variables('{v.Name}')")
                : [],
        ];
        bool Uses(string s) => references.Any(r => s.Contains(r, StringComparison.Ordinal));

        var uses = Resources(infra.Main).Where(r => Strings(r).Any(Uses)).Select(r => r.GetProperty("name").GetString()!);
        Assert.Equal("keyvault", Assert.Single(uses));
        Assert.DoesNotContain(Strings(infra.Main.GetProperty("outputs")), Uses);
    }

    [Fact]
    public void CallbackSecret_IsRequired_UnlessCallbacksAreProvenByTokensAlone()
    {
        // ARM's if() evaluates only the branch it takes, so fail() stops a deployment that has no
        // secret while callbacks are signed (hmac or any), and lets an oidc-only one through.
        Assert.False(infra.Main.GetProperty("parameters").GetProperty("githubCallbackSecret").TryGetProperty("minLength", out _));
        var guard = infra.Main.GetProperty("variables").GetProperty("callbackSecret").GetString();
        Assert.Equal(
            "[if(or(equals(parameters('callbackAuth'), 'oidc'), greaterOrEquals(length(parameters('githubCallbackSecret')), 16)), "
            + "parameters('githubCallbackSecret'), fail('githubCallbackSecret (PROVISIONER_CALLBACK_SECRET) must be at least 16 characters "
            + "unless callbackAuth is oidc: set it to whsec_$(openssl rand -base64 32).'))]",
            guard);
        Assert.Equal("[variables('callbackSecret')]", Passed("keyvault", "callbackSecret"));

        // No secret, no Key Vault entry, and the app setting stays empty rather than naming a missing secret.
        var entry = Resources(infra.Module("keyvault").Template, "Microsoft.KeyVault/vaults/secrets")
            .Single(r => r.GetProperty("name").GetString()!.Contains("'github-callback-secret')", StringComparison.Ordinal));
        Assert.Equal("[not(empty(parameters('callbackSecret')))]", entry.GetProperty("condition").GetString());
        Assert.StartsWith("[if(empty(parameters('callbackSecretUri')), '',", Setting("GITHUB_CALLBACK_SECRET"), StringComparison.Ordinal);
    }

    [Fact]
    public void Cors_AllowsOnlyTheStaticWebAppsOrigin()
    {
        var cors = FunctionApp.GetProperty("properties").GetProperty("siteConfig").GetProperty("cors");
        Assert.Equal("[parameters('allowedOrigin')]", Assert.Single(cors.GetProperty("allowedOrigins").EnumerateArray()).GetString());
        Assert.False(cors.GetProperty("supportCredentials").GetBoolean());

        AssertIsOutput(Passed("functionapp", "allowedOrigin"), "staticwebapp", "origin");
        var origin = infra.Module("staticwebapp").Template.GetProperty("outputs").GetProperty("origin").GetProperty("value").GetString();
        Assert.Equal("[format('https://{0}', reference(resourceId('Microsoft.Web/staticSites', parameters('name')), '2024-04-01').defaultHostname)]", origin);
    }

    [Fact]
    public void PublicBaseUrl_IsTheFunctionAppsHostName()
    {
        Assert.Equal("[format('https://{0}/', reference(resourceId('Microsoft.Web/sites', parameters('name')), '2024-04-01').defaultHostName)]", Setting("PUBLIC_BASE_URL"));
    }

    [Fact]
    public void Telemetry_GoesToApplicationInsights_InALogAnalyticsWorkspace_WithEntraId()
    {
        var template = infra.Module("monitoring").Template;
        Resource(template, "Microsoft.OperationalInsights/workspaces");
        var insights = Resource(template, "Microsoft.Insights/components").GetProperty("properties");
        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights.GetProperty("WorkspaceResourceId").GetString(), StringComparison.Ordinal);
        Assert.True(insights.GetProperty("DisableLocalAuth").GetBoolean());

        Assert.Equal("[parameters('applicationInsightsConnectionString')]", Setting("APPLICATIONINSIGHTS_CONNECTION_STRING"));
        Assert.Contains("Authorization=AAD", Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"), StringComparison.Ordinal);
    }

    [Fact]
    public void Services_AreTaggedWithTheNamesInAzureYaml()
    {
        var azureYaml = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "azure.yaml"));
        foreach (var (service, module, type) in new[] { ("api", "functionapp", "Microsoft.Web/sites"), ("web", "staticwebapp", "Microsoft.Web/staticSites") })
        {
            Assert.Contains($"  {service}:", azureYaml);
            var tags = Resource(infra.Module(module).Template, type).GetProperty("tags").GetString();
            Assert.Contains($"createObject('azd-service-name', '{service}')", tags, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Outputs_GiveAzdAndTheWebHookWhatTheyRead()
    {
        var outputs = infra.Main.GetProperty("outputs");
        foreach (var name in new[] { "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "API_BASE_URL", "WEB_URL" })
        {
            Assert.True(outputs.TryGetProperty(name, out _), $"output {name}");
        }

        Assert.Contains("API_BASE_URL", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "hooks", "write-web-config.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_AllHaveDescriptions_InMainAndEveryModule()
    {
        var templates = Resources(infra.Main, "Microsoft.Resources/deployments")
            .Select(d => (d.GetProperty("name").GetString()!, d.GetProperty("properties").GetProperty("template")))
            .Prepend(("main", infra.Main));
        var undocumented = templates
            .SelectMany(t => t.Item2.GetProperty("parameters").EnumerateObject()
                .Where(p => !(p.Value.TryGetProperty("metadata", out var m) && m.TryGetProperty("description", out var d) && d.GetString()!.Length > 0))
                .Select(p => $"{t.Item1}.{p.Name}"));
        Assert.Empty(undocumented);
    }

    [Fact]
    public void ParametersFile_MapsOnlyExistingParameters_AndEveryRequiredOne()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "main.parameters.json")));
        var mapped = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();
        var declared = infra.Main.GetProperty("parameters").EnumerateObject().ToArray();

        Assert.Empty(mapped.Except(declared.Select(p => p.Name)));
        Assert.Empty(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name).Except(mapped));
    }
}
