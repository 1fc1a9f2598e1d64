using AnchorNode.Auth;
using AnchorNode.Caching;
using AnchorNode.Configuration;
using AnchorNode.Dashboard;
using AnchorNode.Devices;
using AnchorNode.Evidence;
using AnchorNode.Inventory;
using AnchorNode.Ledger;
using AnchorNode.Alarms;
using AnchorNode.Notifications;
using AnchorNode.Storage;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Runtime;

/// <summary>
/// The node's parts, wired from a data folder: what <c>serve</c> puts behind HTTP and what the CLI
/// commands use directly. Every part writes through the one sequencer.
/// </summary>
public sealed class NodeRuntime : IAsyncDisposable
{
    private NodeRuntime(DataFolder folder, NodeConfig config, EcdsaNoteSigner member, ILoggerFactory loggers, TimeProvider time, IRandomSource random, ICovenantEvents? covenantEvents)
    {
        Folder = folder;
        Config = config;
        Member = member;
        Time = time;
        Database = new NodeDatabase(folder.DatabaseFile);
        Database.EnsureCreated();
        Wal = new WalCheckpointer(Database, config.WalCheckpointBytes);
        Signatures = new SignatureChecker();
        Rules = new LedgerRules(Signatures, InventoryRules.All);
        Sequencer = new SqliteLedgerSequencer(Database, config.Consortium, Rules, [new AnchorProjection()], loggers.CreateLogger<SqliteLedgerSequencer>(), config.MaxBatch);
        Readers = new NodeReaders(Database, config.Consortium);
        Statements = new StatementSigner(config.Consortium, member, time, random);
        Guard = new CheckpointGuard(folder.GuardFile);
        Checkpointer = new LedgerCheckpointer(Sequencer, member, config.Origin, time, Guard);
        Cosignatures = new CosignatureService(Sequencer, Signatures);
        // The other members' nodes: asked for device leaves, and for entries etcd no longer holds.
        var peers = HttpLeafPeer.For(config.Peers, Environment.GetEnvironmentVariable(HttpLeafPeer.ApiKeyVariable));
        if (config.Etcd is { } etcd)
        {
            // Certificate files are named relative to the data folder (or absolute).
            etcd = etcd with
            {
                CaFile = etcd.CaFile is { } ca ? Path.Combine(folder.Path, ca) : null,
                CertFile = etcd.CertFile is { } cert ? Path.Combine(folder.Path, cert) : null,
                KeyFile = etcd.KeyFile is { } key ? Path.Combine(folder.Path, key) : null,
            };
            Etcd = new EtcdLedgerSequencer(etcd, config.Consortium, Sequencer, Readers, Checkpointer, Cosignatures, Signatures, config.Member, peers, time, loggers.CreateLogger<EtcdLedgerSequencer>());
            Checkpointer.SealThrough(Etcd.SealAndSignAsync);
        }
        Ordering = (ILedgerSequencer?)Etcd ?? Sequencer;
        Devices = new DeviceRegistry(Ordering, Statements, Readers);
        Uplink = new UplinkService(Ordering, Readers, Signatures, time, loggers.CreateLogger<UplinkService>());
        Exporter = new BundleExporter(Readers);
        Organisations = new OrganisationStore(Database, random, time);
        Founding = new Founding(Database, config, Convert.ToBase64String(member.PublicKey.Span), Statements, Ordering, Readers);
        Lots = new LotRegistry(Ordering, Statements, Readers, time);
        Alarms = new AlarmBook(Ordering, Statements, Readers);
        LotExporter = new LotBundleExporter(Readers);
        Reports = new ConditionReports(LotExporter, Readers);
        Epcis = new LotEpcis(Readers, Reports, config.Consortium, config.PublicPlaces.ToDictionary(p => p.Key, p => p.Value.English, StringComparer.Ordinal), time);
        PublicLots = new PublicLots(Reports, Readers, new AnswerCache(config.PublicCache.MaxBytes, config.PublicCache.ConcurrentBuilds));
        CovenantEvents = covenantEvents ?? new LoggingCovenantEvents(loggers.CreateLogger<LoggingCovenantEvents>());
        Outbox = new NotificationOutbox(Database);
        if (config.Notifications is { } notifications)
        {
            Recipients = NotificationRecipients.Load(notifications, folder);
            _webhooks = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var transports = new Dictionary<string, INotificationTransport>(StringComparer.Ordinal) { [NotificationOutbox.Webhook] = new HttpWebhookTransport(_webhooks) };
            if (notifications.Smtp is { } smtp)
            {
                transports[NotificationOutbox.Email] = new SmtpEmailTransport(smtp, Recipients, TimeSpan.FromMilliseconds(notifications.TimeoutMs));
            }
            Dispatcher = new NotificationDispatcher(Outbox, transports, notifications, time, random, loggers.CreateLogger<NotificationDispatcher>());
            CovenantEvents = new OutboxCovenantEvents(Recipients, Dispatcher, config.Consortium, config.Member, CovenantEvents);
        }
        Covenants = new CovenantMonitor(Reports, Readers, Sequencer, CovenantEvents, time, loggers.CreateLogger<CovenantMonitor>());
        ReportLinks = new ReportLinks(folder.DataProtectionDirectory, time);
        StatusReports = new GatewayStatusService(Database, Readers, Signatures, time);
        Calibrations = new CalibrationRegistry(Ordering, Statements, Readers, StatusReports, time);
        CalibrationDueSoonDays = config.CalibrationDueSoonDays;
        Dashboard = new OperatorDashboard(Readers, StatusReports, Covenants, time, new DashboardSettings(
            TimeSpan.FromMilliseconds(config.GatewayOfflineAfterMs), TimeSpan.FromMilliseconds(config.DashboardStaleAfterMs), TimeZoneInfo.FindSystemTimeZoneById(config.DashboardTimeZone)), config.CalibrationDueSoonDays);
        DashboardLinks = new DashboardLinks(folder.DataProtectionDirectory, time);
        if (Recipients is not null)
        {
            GatewayWatcher = new GatewayPresenceWatcher(Dashboard, Database, Recipients, Dispatcher!, config.Consortium, config.Member, time);
            if (config.Alarms.NotifyOperator)
            {
                OperatorEvents = new OperatorEventWatcher(Database, Readers, StatusReports, Recipients, Dispatcher!, config.Consortium, config.Member, config.CalibrationDueSoonDays, time);
            }
            if (config.Alarms.EscalateAfterMs > 0)
            {
                AlarmEscalations = new AlarmEscalationWatcher(Database, Recipients, Dispatcher!, config.Consortium, config.Member, config.Alarms.EscalateAfterMs, time);
            }
        }
        Replication = new LeafReplicator(Sequencer, Readers, peers, time, loggers.CreateLogger<LeafReplicator>());
        Uplink.Replicator = Replication;
        if (Etcd is not null)
        {
            Etcd.AppliedFromOthers = Replication.Wake;
            Uplink.CatchUp = Etcd.CatchUpAsync;
        }
    }

    /// <summary>Pulls device leaves of anchors this node applied without them from the <c>peers</c>.</summary>
    public LeafReplicator Replication { get; }

    private readonly HttpClient? _webhooks;

    /// <summary>Alarm history and acknowledgements.</summary>
    public AlarmBook Alarms { get; }

    /// <summary>Tells the operator of alarm starts and ends and of calibrations that need them; null without notifications or with <c>alarms.notifyOperator</c> off.</summary>
    public OperatorEventWatcher? OperatorEvents { get; }

    /// <summary>Escalates unacknowledged alarms; null without notifications or with escalation off.</summary>
    public AlarmEscalationWatcher? AlarmEscalations { get; }

    /// <summary>The data folder.</summary>
    public DataFolder Folder { get; }

    /// <summary>The settings.</summary>
    public NodeConfig Config { get; }

    /// <summary>This member's key.</summary>
    public EcdsaNoteSigner Member { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The database.</summary>
    public NodeDatabase Database { get; }

    /// <summary>Keeps the database's write-ahead log small (the writer never checkpoints it itself).</summary>
    public WalCheckpointer Wal { get; }

    /// <summary>Signature checks shared by the rules and the uplink.</summary>
    public SignatureChecker Signatures { get; }

    /// <summary>The ledger rules.</summary>
    public LedgerRules Rules { get; }

    /// <summary>
    /// The local writer: this node's SQLite store. Alone it is also the ordering port; in a consortium
    /// ordered by etcd it applies etcd's order (see <see cref="Ordering"/>).
    /// </summary>
    public SqliteLedgerSequencer Sequencer { get; }

    /// <summary>The ordering port every new entry goes through: <see cref="Etcd"/> when node.json names an etcd cluster, else <see cref="Sequencer"/>.</summary>
    public ILedgerSequencer Ordering { get; }

    /// <summary>The consortium's etcd ordering, or null when this node orders alone.</summary>
    public EtcdLedgerSequencer? Etcd { get; }

    /// <summary>Pooled readers.</summary>
    public NodeReaders Readers { get; }

    /// <summary>Member statements signed with this node's key.</summary>
    public StatementSigner Statements { get; }

    /// <summary>Enrolment, revocation, clearance.</summary>
    public DeviceRegistry Devices { get; }

    /// <summary>Sensor calibrations.</summary>
    public CalibrationRegistry Calibrations { get; }

    /// <summary>How many days before its due date a calibration shows as due soon (<c>calibrationDueSoonDays</c>).</summary>
    public int CalibrationDueSoonDays { get; }

    /// <summary>Device uploads.</summary>
    public UplinkService Uplink { get; }

    /// <summary>The signing guard.</summary>
    public CheckpointGuard Guard { get; }

    /// <summary>Ledger checkpoints.</summary>
    public LedgerCheckpointer Checkpointer { get; }

    /// <summary>Cosignatures by other members.</summary>
    public CosignatureService Cosignatures { get; }

    /// <summary>Evidence bundles.</summary>
    public BundleExporter Exporter { get; }

    /// <summary>API clients.</summary>
    public OrganisationStore Organisations { get; }

    /// <summary>Founding members and the genesis.</summary>
    public Founding Founding { get; }

    /// <summary>Warehouse receipts: parties, lots, moves, deliveries, pledge drafts and submissions.</summary>
    public LotRegistry Lots { get; }

    /// <summary>Lot evidence bundles (lender and public).</summary>
    public LotBundleExporter LotExporter { get; }

    /// <summary>Condition reports, computed from verified lot bundles.</summary>
    public ConditionReports Reports { get; }

    /// <summary>Public lot facts for consumer pages.</summary>
    public PublicLots PublicLots { get; }

    /// <summary>Lots' events as EPCIS 2.0 documents.</summary>
    public LotEpcis Epcis { get; }

    /// <summary>Where new covenant breaches are published.</summary>
    public ICovenantEvents CovenantEvents { get; }

    /// <summary>Covenant breach detection.</summary>
    public CovenantMonitor Covenants { get; }

    /// <summary>Time-limited links to a lot's report page.</summary>
    public ReportLinks ReportLinks { get; }

    /// <summary>Gateways' latest status reports.</summary>
    public GatewayStatusService StatusReports { get; }

    /// <summary>The operator dashboard.</summary>
    public OperatorDashboard Dashboard { get; }

    /// <summary>Time-limited links to the operator dashboard.</summary>
    public DashboardLinks DashboardLinks { get; }

    /// <summary>The notification outbox (readable whether or not notifications are configured).</summary>
    public NotificationOutbox Outbox { get; }

    /// <summary>Who is notified; null when node.json has no <c>notifications</c>.</summary>
    public NotificationRecipients? Recipients { get; }

    /// <summary>Delivers the outbox; null when notifications are not configured.</summary>
    public NotificationDispatcher? Dispatcher { get; }

    /// <summary>Notifies gateways going offline and coming back; null when notifications are not configured.</summary>
    public GatewayPresenceWatcher? GatewayWatcher { get; }

    /// <summary>Opens the node in <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidDataException">When the folder is not initialised or its files are invalid.</exception>
    public static NodeRuntime Open(DataFolder folder, ILoggerFactory loggers, TimeProvider? time = null, IRandomSource? random = null, ICovenantEvents? covenantEvents = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var config = folder.ReadConfig();
        EcdsaNoteSigner member;
        try
        {
            member = EcdsaNoteSigner.FromPkcs8Pem(config.Member, folder.ReadKey());
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{folder.KeyFile}: {e.Message}", e);
        }
        return new NodeRuntime(folder, config, member, loggers, time ?? TimeProvider.System, random ?? CryptoRandomSource.Instance, covenantEvents);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }
        await Sequencer.DisposeAsync();
        Replication.Dispose();
        _webhooks?.Dispose();
        Wal.Dispose();
        PublicLots.Cache.Dispose();
        Readers.Dispose();
        Member.Dispose();
    }
}
