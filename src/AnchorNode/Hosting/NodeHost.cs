using AnchorNode.Runtime;
using AnchorNode.Auth;
using AnchorNode.Consumer;
using AnchorNode.Devices;
using AnchorNode.Endpoints;
using AnchorNode.Inventory;
using AnchorNode.Ledger;
using AnchorNode.Notifications;
using AnchorNode.Storage;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;

namespace AnchorNode.Hosting;

/// <summary>
/// Builds the node's web application around a <see cref="NodeRuntime"/>. Kestrel reads its
/// endpoints from configuration, so HTTPS is a matter of settings (see docs/anchor-node.md):
/// <c>appsettings.json</c> in the data folder or <c>Kestrel__Endpoints__…</c> environment variables.
/// </summary>
public static class NodeHost
{
    /// <summary>The web application; <paramref name="urls"/> (e.g. <c>http://127.0.0.1:0</c>) unless Kestrel endpoints are configured.</summary>
    public static WebApplication Build(NodeRuntime node, IReadOnlyList<string> urls, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = node.Folder.Path,
            ApplicationName = typeof(NodeHost).Assembly.GetName().Name,
            // The content root is the data folder, where the database changes all the time; watching
            // it for appsettings.json changes would cost a core's worth of file events under load.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        if (urls.Count > 0)
        {
            builder.WebHost.UseUrls([.. urls]);
        }
        StartupFiles.Check(node.Folder, builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Each endpoint's own limit (RequestLimits) is lower and applies before its body is read;
            // this is the server's backstop.
            kestrel.Limits.MaxRequestBodySize = UplinkRoutes.MaxRequestBytes + (1 << 20);
            kestrel.AddServerHeader = false;
        });
        // Request logs at Information would cost more than the requests; settings can lower this.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Kept with the node, not in the user's profile (nothing here encrypts with them today).
        // Report links are protected with this key ring; the CLI mints them from the same folder.
        builder.Services.AddDataProtection().SetApplicationName(ReportLinks.ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(node.Folder.DataProtectionDirectory));
        builder.Services.AddSingleton(node);
        builder.Services.AddSingleton(node.Organisations);
        builder.Services.AddSingleton(node.Readers);
        builder.Services.AddSingleton(node.Time);
        builder.Services.AddHostedService(services => new CheckpointService(node.Checkpointer,
            TimeSpan.FromMilliseconds(node.Config.CheckpointIntervalMs), node.Time, services.GetRequiredService<ILogger<CheckpointService>>()));
        builder.Services.AddHostedService(services => new CovenantMonitorService(node.Covenants, node.Readers,
            TimeSpan.FromMilliseconds(node.Config.CovenantCheckIntervalMs), node.Time, services.GetRequiredService<ILogger<CovenantMonitorService>>()));
        if (node.Dispatcher is { } dispatcher && node.GatewayWatcher is { } watcher)
        {
            var notifications = node.Config.Notifications!;
            builder.Services.AddHostedService(services => new NotificationService(dispatcher,
                TimeSpan.FromMilliseconds(notifications.PollIntervalMs), services.GetRequiredService<ILogger<NotificationService>>()));
            // Registered as IHostedService, not AddHostedService: that keeps one service per implementation
            // type, and both watchers run on a PeriodicCheckService.
            builder.Services.AddSingleton<IHostedService>(services => new PeriodicCheckService(() => watcher.Check(), "gateways' online state",
                TimeSpan.FromMilliseconds(notifications.GatewayCheckIntervalMs), watcher.Time, services.GetRequiredService<ILogger<PeriodicCheckService>>()));
        }
        if (node.OperatorEvents is { } events)
        {
            builder.Services.AddSingleton<IHostedService>(services => new PeriodicCheckService(() => events.Check(), "alarms and calibrations to notify",
                TimeSpan.FromMilliseconds(node.Config.Alarms.CheckIntervalMs), events.Time, services.GetRequiredService<ILogger<PeriodicCheckService>>()));
        }
        if (node.AlarmEscalations is { } escalations)
        {
            builder.Services.AddSingleton<IHostedService>(services => new PeriodicCheckService(() => escalations.Check(), "alarms for escalation",
                TimeSpan.FromMilliseconds(node.Config.Alarms.CheckIntervalMs), escalations.Time, services.GetRequiredService<ILogger<PeriodicCheckService>>()));
        }
        if (node.Config.Peers.Count > 0)
        {
            builder.Services.AddHostedService(_ => new LeafReplicationService(node.Replication, TimeSpan.FromSeconds(5)));
        }
        builder.Services.AddHostedService(services => new WalCheckpointService(node.Wal, node.Time, services.GetRequiredService<ILogger<WalCheckpointService>>()));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = RequestErrors.Describe);
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, NodeJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, UplinkJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(2, EvidenceJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(3, InventoryJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(4, AnchorNode.Dashboard.DashboardJsonContext.Default);
        });
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "EdgeTrace anchor node";
            document.Info.Description = "Consortium ledger, device anchoring, proofs and evidence bundles, warehouse receipts, pledges and condition reports. Errors are RFC 9457 problems whose type is urn:edgetrace:problem:<code>.";
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(node.Config);
        builder.Services.AddSingleton<PublicSite>();
        builder.Services.AddSingleton<IPublicTraceSource>(new LedgerPublicTraceSource(node.PublicLots, node.Config));
        builder.Services.AddRateLimiter(options => PublicRateLimiting.Configure(options, node.Config.PublicRateLimit));
        configure?.Invoke(builder);

        var app = builder.Build();
        if (node.Config.TrustedProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            // Only the configured proxies: the defaults (loopback) would let any local process claim any address.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in node.Config.TrustedProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
            app.UseForwardedHeaders(forwarded);
        }
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = RequestErrors.StatusOf });
        app.UseStatusCodePages(RequestErrors.WriteStatusAsync);
        app.UseBodyLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        DeviceEndpoints.Map(app);
        CalibrationEndpoints.Map(app);
        LedgerEndpoints.Map(app);
        ProofEndpoints.Map(app);
        LotEndpoints.Map(app);
        PledgeEndpoints.Map(app);
        LifecycleEndpoints.Map(app);
        ReportEndpoints.Map(app);
        PublicLotEndpoints.Map(app);
        ConsumerEndpoints.Map(app);
        DashboardEndpoints.Map(app);
        AlarmEndpoints.Map(app);
        DashboardAlarmEndpoints.Map(app);
        ReplicationEndpoints.Map(app);
        return app;
    }
}
