using AnchorNode.Tests.Infrastructure;
using netDumbster.smtp;

namespace AnchorNode.Tests.Notifications;

/// <summary>
/// What the notification tests share: a scratch folder (for webhook secrets and receivers), a node
/// clock the test can move, and an in-process SMTP server on a free loopback port.
/// </summary>
public abstract class NotificationTestBase(string folderName) : IAsyncLifetime
{
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), folderName, Guid.NewGuid().ToString("N"));

    protected OffsetTimeProvider Time { get; } = new();

    protected SimpleSmtpServer Smtp { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Smtp = netDumbster.smtp.Configuration.Configure().WithAddress(System.Net.IPAddress.Loopback).WithRandomPort().Build();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Smtp.Stop();
        Smtp.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
