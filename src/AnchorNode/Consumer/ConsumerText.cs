using System.Globalization;

namespace AnchorNode.Consumer;

/// <summary>
/// Every string of the consumer pages, one table per language. A property is one string; those
/// with <c>{0}</c>… placeholders are composite formats, and both tables must use the same
/// placeholders (a test checks). The compiler makes each table give every string.
/// </summary>
public sealed record ConsumerText
{
    /// <summary>The language's own name, shown on the switch that selects it.</summary>
    public required string NativeName { get; init; }

    /// <summary>Shown beside the switch to the other language.</summary>
    public required string SwitchLanguage { get; init; }

    /// <summary>Brand line in the header.</summary>
    public required string SiteName { get; init; }

    /// <summary>Page title: {0} product, {1} lot.</summary>
    public required string TraceTitle { get; init; }

    /// <summary>Label before the lot number.</summary>
    public required string Lot { get; init; }

    /// <summary>Label before the serial number.</summary>
    public required string Serial { get; init; }

    /// <summary>Label before the GTIN.</summary>
    public required string Gtin { get; init; }

    /// <summary>Status title when the cold chain held.</summary>
    public required string HeldTitle { get; init; }

    /// <summary>{0} lower bound, {1} upper bound, {2} monitored duration.</summary>
    public required string HeldBody { get; init; }

    /// <summary>Status title with one or more excursions.</summary>
    public required string ExcursionTitle { get; init; }

    /// <summary>{0} lower bound, {1} upper bound, {2} total time out of range, {3} number of excursions.</summary>
    public required string ExcursionBody { get; init; }

    /// <summary>{0} lower bound, {1} upper bound, {2} its duration: a single excursion.</summary>
    public required string ExcursionBodyOne { get; init; }

    /// <summary>{0} upper bound, {1} duration, {2} start, {3} peak.</summary>
    public required string ExcursionAbove { get; init; }

    /// <summary>{0} lower bound, {1} duration, {2} start, {3} lowest.</summary>
    public required string ExcursionBelow { get; init; }

    /// <summary>Status title when no reading covers the goods.</summary>
    public required string NotMonitoredTitle { get; init; }

    /// <summary>{0} lower bound, {1} upper bound.</summary>
    public required string NotMonitoredBody { get; init; }

    /// <summary>{0} total time without readings.</summary>
    public required string UnmonitoredNote { get; init; }

    /// <summary>The title when no reading was out of range but the goods were not watched throughout.</summary>
    public required string IncompleteTitle { get; init; }

    /// <summary>Its body: {0} min, {1} max, {2} how long no sensor watched the goods.</summary>
    public required string IncompleteBody { get; init; }

    /// <summary>Caption of the temperature chart: {0} lower bound, {1} upper bound.</summary>
    public required string ChartCaption { get; init; }

    /// <summary>Journey heading.</summary>
    public required string JourneyTitle { get; init; }

    /// <summary>An open stop: {0} arrival date.</summary>
    public required string JourneySince { get; init; }

    /// <summary>Shown when there is no journey yet.</summary>
    public required string JourneyEmpty { get; init; }

    /// <summary>Verified heading.</summary>
    public required string VerifiedTitle { get; init; }

    /// <summary>What the verified section means.</summary>
    public required string VerifiedBody { get; init; }

    /// <summary>Label of the ledger size.</summary>
    public required string LedgerSize { get; init; }

    /// <summary>Label of the checkpoint time.</summary>
    public required string CheckpointTime { get; init; }

    /// <summary>Label of the number of member signatures.</summary>
    public required string Signatures { get; init; }

    /// <summary>The download link.</summary>
    public required string DownloadProof { get; init; }

    /// <summary>Heading of the how-to-verify details.</summary>
    public required string HowToVerify { get; init; }

    /// <summary>How to verify, before the command.</summary>
    public required string HowToVerifyBody { get; init; }

    /// <summary>When no checkpoint covers the facts yet.</summary>
    public required string ProofPending { get; init; }

    /// <summary>{0} the time zone all times are in.</summary>
    public required string TimesIn { get; init; }

    /// <summary>Footer line.</summary>
    public required string Footer { get; init; }

    /// <summary>Product page: the code names a product, not a lot.</summary>
    public required string ProductBody { get; init; }

    /// <summary>Label of the lot input.</summary>
    public required string LotInput { get; init; }

    /// <summary>Button of the lot form.</summary>
    public required string Show { get; init; }

    /// <summary>404 title.</summary>
    public required string NotFoundTitle { get; init; }

    /// <summary>404 text.</summary>
    public required string NotFoundBody { get; init; }

    /// <summary>The scanned code on error pages: {0} the code.</summary>
    public required string ScannedCode { get; init; }

    /// <summary>400 title.</summary>
    public required string BadCodeTitle { get; init; }

    /// <summary>400 text: {0} the reason.</summary>
    public required string BadCodeBody { get; init; }

    /// <summary>400 advice.</summary>
    public required string BadCodeAdvice { get; init; }

    /// <summary>429 title.</summary>
    public required string TooManyTitle { get; init; }

    /// <summary>429 text: {0} how long to wait.</summary>
    public required string TooManyBody { get; init; }

    /// <summary>Label line under the QR code.</summary>
    public required string LabelScan { get; init; }

    /// <summary>Label sheet title: {0} product, {1} lot.</summary>
    public required string LabelSheetTitle { get; init; }

    /// <summary>Label sheet instructions (screen only).</summary>
    public required string LabelSheetHelp { get; init; }

    /// <summary>Name of the GTIN in error reasons.</summary>
    public required string NameGtin { get; init; }

    /// <summary>Name of the lot in error reasons.</summary>
    public required string NameLot { get; init; }

    /// <summary>Name of the serial in error reasons.</summary>
    public required string NameSerial { get; init; }

    /// <summary>Reason: not /01/….</summary>
    public required string ReasonNotADigitalLink { get; init; }

    /// <summary>Reason: {0} the AI whose value is missing.</summary>
    public required string ReasonMissingValue { get; init; }

    /// <summary>Reason: the GTIN has a non-digit.</summary>
    public required string ReasonGtinNotDigits { get; init; }

    /// <summary>Reason: {0} digits found.</summary>
    public required string ReasonGtinLength { get; init; }

    /// <summary>Reason: {0} expected check digit, {1} the one found.</summary>
    public required string ReasonGtinCheckDigit { get; init; }

    /// <summary>Reason: {0} the AI not used here.</summary>
    public required string ReasonUnsupportedQualifier { get; init; }

    /// <summary>Reason: serial before lot.</summary>
    public required string ReasonQualifierOrder { get; init; }

    /// <summary>Reason: {0} the AI that appears twice.</summary>
    public required string ReasonDuplicateQualifier { get; init; }

    /// <summary>Reason: {0} the name of the empty value.</summary>
    public required string ReasonEmptyValue { get; init; }

    /// <summary>Reason: {0} the name, {1} its length.</summary>
    public required string ReasonValueTooLong { get; init; }

    /// <summary>Reason: a bad % escape.</summary>
    public required string ReasonBadPercentEncoding { get; init; }

    /// <summary>Reason: {0} the name, {1} the character.</summary>
    public required string ReasonCharacterNotAllowed { get; init; }

    /// <summary>Days and hours: {0} days, {1} hours.</summary>
    public required string DurationDaysHours { get; init; }

    /// <summary>Hours and minutes: {0} hours, {1} minutes.</summary>
    public required string DurationHoursMinutes { get; init; }

    /// <summary>Minutes: {0}.</summary>
    public required string DurationMinutes { get; init; }

    /// <summary>Seconds: {0}.</summary>
    public required string DurationSeconds { get; init; }

    /// <summary>A date (a .NET custom format, invariant culture).</summary>
    public required string DateFormat { get; init; }

    /// <summary>A date and time (a .NET custom format, invariant culture).</summary>
    public required string DateTimeFormat { get; init; }

    /// <summary>A range of two formatted values: {0} from, {1} to.</summary>
    public required string Range { get; init; }

    /// <summary>English.</summary>
    public static ConsumerText English { get; } = new()
    {
        NativeName = "English",
        SwitchLanguage = "Language",
        SiteName = "Cold-chain record",
        TraceTitle = "{0} – lot {1}",
        Lot = "Lot",
        Serial = "Serial",
        Gtin = "GTIN",
        HeldTitle = "Cold chain held",
        HeldBody = "Kept between {0} and {1} for the whole {2} it was monitored.",
        ExcursionTitle = "Temperature out of range",
        ExcursionBody = "It had to stay between {0} and {1}. It was outside that range for {2} in total ({3} times).",
        ExcursionBodyOne = "It had to stay between {0} and {1}. It went outside that range once, for {2}.",
        ExcursionAbove = "Above {0} for {1}, from {2}; highest {3}",
        ExcursionBelow = "Below {0} for {1}, from {2}; lowest {3}",
        NotMonitoredTitle = "No temperature record yet",
        NotMonitoredBody = "It has to stay between {0} and {1}. No readings cover this lot yet.",
        UnmonitoredNote = "There were no readings for {0} in total while it was stored.",
        IncompleteTitle = "Cold chain not confirmed",
        IncompleteBody = "No reading was outside {0} to {1}, but for {2} no sensor watched the goods, so the cold chain cannot be confirmed.",
        ChartCaption = "Temperature while stored; the shaded band is {0} to {1}.",
        JourneyTitle = "Journey",
        JourneySince = "since {0}",
        JourneyEmpty = "Not yet received at a monitored site.",
        VerifiedTitle = "Verified",
        VerifiedBody = "These facts are recorded in a shared ledger and proven against a checkpoint that its member organisations signed. Anyone can check the proof offline.",
        LedgerSize = "Ledger entries",
        CheckpointTime = "Checkpoint signed",
        Signatures = "Member signatures",
        DownloadProof = "Download the proof",
        HowToVerify = "How to check the proof",
        HowToVerifyBody = "Run the EdgeTrace Verifier on the downloaded file with the consortium's published member keys:",
        ProofPending = "The proof can be downloaded once the next ledger checkpoint is signed (usually within a minute).",
        TimesIn = "All times are in {0}.",
        Footer = "Proven with EdgeTrace. No tracking, no cookies except your language choice.",
        ProductBody = "This code names the product, not a lot. Enter the lot number printed on the pack to see its journey:",
        LotInput = "Lot number",
        Show = "Show",
        NotFoundTitle = "Code not found",
        NotFoundBody = "We have no record for this code. Check that it matches the code on the pack, or ask the shop.",
        ScannedCode = "Code: {0}",
        BadCodeTitle = "This code cannot be read",
        BadCodeBody = "This is not a valid product code: {0}",
        BadCodeAdvice = "Scan the QR code again, or check the numbers if you typed them.",
        TooManyTitle = "Too many requests",
        TooManyBody = "This connection has asked for many pages in a short time. Please wait {0} and try again.",
        LabelScan = "Scan for the cold-chain record",
        LabelSheetTitle = "Labels: {0}, lot {1}",
        LabelSheetHelp = "Print on A4 label sheets of 3 × 7 labels (70 × 42.3 mm) at 100 % scale, without margins.",
        NameGtin = "GTIN",
        NameLot = "lot number",
        NameSerial = "serial number",
        ReasonNotADigitalLink = "it does not start with /01/ and a GTIN.",
        ReasonMissingValue = "a value is missing after /{0}/.",
        ReasonGtinNotDigits = "the GTIN may contain digits only.",
        ReasonGtinLength = "the GTIN has {0} digits; it must have 8, 12, 13 or 14.",
        ReasonGtinCheckDigit = "the last digit of the GTIN (its check digit) should be {0}, not {1}. The number was probably mistyped or misread.",
        ReasonUnsupportedQualifier = "/{0}/ is not used here; after the GTIN come /10/ (lot) and /21/ (serial).",
        ReasonQualifierOrder = "the lot (/10/) must come before the serial (/21/).",
        ReasonDuplicateQualifier = "/{0}/ appears twice.",
        ReasonEmptyValue = "the {0} is empty.",
        ReasonValueTooLong = "the {0} has {1} characters; at most 20 are allowed.",
        ReasonBadPercentEncoding = "a “%” is not followed by two hexadecimal digits.",
        ReasonCharacterNotAllowed = "the {0} contains a character that is not allowed ({1}).",
        DurationDaysHours = "{0} d {1} h",
        DurationHoursMinutes = "{0} h {1} min",
        DurationMinutes = "{0} min",
        DurationSeconds = "{0} s",
        DateFormat = "d MMM yyyy",
        DateTimeFormat = "d MMM yyyy, HH:mm",
        Range = "{0} – {1}",
    };

    /// <summary>Simplified Chinese.</summary>
    public static ConsumerText Chinese { get; } = new()
    {
        NativeName = "中文",
        SwitchLanguage = "语言",
        SiteName = "冷链溯源记录",
        TraceTitle = "{0} – 批次 {1}",
        Lot = "批次",
        Serial = "序列号",
        Gtin = "商品条码",
        HeldTitle = "冷链全程达标",
        HeldBody = "在全部 {2} 的监测期间，温度始终保持在 {0} 至 {1} 之间。",
        ExcursionTitle = "温度曾超出范围",
        ExcursionBody = "要求温度保持在 {0} 至 {1} 之间，累计超出范围 {2}（共 {3} 次）。",
        ExcursionBodyOne = "要求温度保持在 {0} 至 {1} 之间，曾有一次超出范围，持续 {2}。",
        ExcursionAbove = "自 {2} 起高于 {0}，持续 {1}，最高 {3}",
        ExcursionBelow = "自 {2} 起低于 {0}，持续 {1}，最低 {3}",
        NotMonitoredTitle = "暂无温度记录",
        NotMonitoredBody = "要求温度保持在 {0} 至 {1} 之间。目前尚无覆盖该批次的温度读数。",
        UnmonitoredNote = "存储期间累计有 {0} 没有温度读数。",
        IncompleteTitle = "冷链无法确认",
        IncompleteBody = "没有读数超出 {0} 至 {1}，但有 {2} 没有传感器监测该货物，因此无法确认冷链是否达标。",
        ChartCaption = "存储期间的温度；阴影区域为 {0} 至 {1}。",
        JourneyTitle = "流转记录",
        JourneySince = "{0}至今",
        JourneyEmpty = "尚未到达受监测的仓库。",
        VerifiedTitle = "已验证",
        VerifiedBody = "以上信息记录在共享账本中，并由账本成员机构共同签署的检查点加以证明。任何人都可以离线核验该证明。",
        LedgerSize = "账本条目数",
        CheckpointTime = "检查点签署时间",
        Signatures = "成员签名数",
        DownloadProof = "下载证明文件",
        HowToVerify = "如何核验证明",
        HowToVerifyBody = "使用联盟公布的成员公钥，以 EdgeTrace Verifier 核验下载的文件：",
        ProofPending = "下一个账本检查点签署后（通常在一分钟内）即可下载证明文件。",
        TimesIn = "所有时间均为 {0}。",
        Footer = "由 EdgeTrace 提供证明。本页不做任何跟踪，仅用 Cookie 记住您选择的语言。",
        ProductBody = "该编码只标识商品，不含批次信息。请输入包装上印的批号，查看该批次的流转记录：",
        LotInput = "批号",
        Show = "查看",
        NotFoundTitle = "未找到该编码",
        NotFoundBody = "我们没有该编码的记录。请核对包装上的编码，或咨询商家。",
        ScannedCode = "编码：{0}",
        BadCodeTitle = "无法识别该编码",
        BadCodeBody = "这不是有效的商品编码：{0}",
        BadCodeAdvice = "请重新扫描二维码；如为手动输入，请核对数字。",
        TooManyTitle = "请求过于频繁",
        TooManyBody = "此网络连接在短时间内请求了过多页面。请等待 {0} 后重试。",
        LabelScan = "扫码查看冷链记录",
        LabelSheetTitle = "标签：{0}，批次 {1}",
        LabelSheetHelp = "请使用每张 3 × 7 枚（70 × 42.3 毫米）的 A4 标签纸，按 100% 比例、无页边距打印。",
        NameGtin = "商品条码",
        NameLot = "批号",
        NameSerial = "序列号",
        ReasonNotADigitalLink = "它不是以 /01/ 和商品条码开头的。",
        ReasonMissingValue = "/{0}/ 之后缺少内容。",
        ReasonGtinNotDigits = "商品条码只能包含数字。",
        ReasonGtinLength = "商品条码有 {0} 位，应为 8、12、13 或 14 位。",
        ReasonGtinCheckDigit = "商品条码的最后一位（校验位）应为 {0}，而不是 {1}。编码可能输错或识读有误。",
        ReasonUnsupportedQualifier = "此处不使用 /{0}/；商品条码之后只能依次是 /10/（批次）和 /21/（序列号）。",
        ReasonQualifierOrder = "批次（/10/）必须在序列号（/21/）之前。",
        ReasonDuplicateQualifier = "/{0}/ 出现了两次。",
        ReasonEmptyValue = "{0}为空。",
        ReasonValueTooLong = "{0}有 {1} 个字符，最多只能有 20 个。",
        ReasonBadPercentEncoding = "“%” 后面没有跟两位十六进制数字。",
        ReasonCharacterNotAllowed = "{0}中含有不允许的字符（{1}）。",
        DurationDaysHours = "{0} 天 {1} 小时",
        DurationHoursMinutes = "{0} 小时 {1} 分钟",
        DurationMinutes = "{0} 分钟",
        DurationSeconds = "{0} 秒",
        DateFormat = "yyyy年M月d日",
        DateTimeFormat = "yyyy年M月d日 HH:mm",
        Range = "{0} – {1}",
    };

    /// <summary>The table of <paramref name="language"/>.</summary>
    public static ConsumerText For(ConsumerLanguage language) => language == ConsumerLanguage.Chinese ? Chinese : English;

    /// <summary>Formats one of this table's composite formats.</summary>
    public static string Format(string format, params object?[] values) => string.Format(CultureInfo.InvariantCulture, format, values);
}
