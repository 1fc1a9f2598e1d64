using Microsoft.Playwright;

namespace AnchorNode.Tests.Browser;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c>, installed by test.sh) driven by Playwright,
/// shared by the tests of a class (<c>IClassFixture&lt;HeadlessChromium&gt;</c>). Playwright never
/// downloads a browser here: the executable path is set. Screenshots go to
/// <c>artifacts/screenshots/</c> at the repository root so CI keeps them.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium; override with EDGETRACE_CHROMIUM.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("EDGETRACE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser; one per fixture.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser has not started");

    /// <summary>The folder screenshots are written to.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepoRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"Chromium not found at {ExecutablePath}: run ./test.sh (it installs Debian's chromium) or set EDGETRACE_CHROMIUM");
        }
        _playwright = await Playwright.CreateAsync();
        // Web-first assertions poll; on a loaded CI machine they get as long as actions do.
        Assertions.SetDefaultExpectTimeout(90_000);
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keep Chromium off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh page in a new context with a phone viewport (390×844, like an iPhone 12–15), or the given one.</summary>
    public async Task<IPage> NewPageAsync(int width = 390, int height = 844, string? locale = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 2,
            IsMobile = width < 600,
            HasTouch = width < 600,
            Locale = locale,
        });
        // A loaded 2-core CI machine runs several test projects at once; Playwright's 30 s default
        // for navigations and actions is too short there (nothing here waits on the network).
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    /// <summary>The console errors of <paramref name="page"/> from now on (a page whose script fails shows stale data).</summary>
    public static List<string> ConsoleErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        return errors;
    }

    /// <summary>Saves a full-page screenshot as <c>artifacts/screenshots/NAME.png</c> and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}
