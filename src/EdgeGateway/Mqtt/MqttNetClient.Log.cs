using Microsoft.Extensions.Logging;

namespace EdgeGateway.Mqtt;

public sealed partial class MqttNetClient
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port} (session present: {SessionPresent}, reconnect: {Reconnect})")]
    private partial void LogConnected(string host, int port, bool sessionPresent, bool reconnect);

    [LoggerMessage(EventId = 2, Message = "MQTT {Kind}: {Reason} Retrying in {Delay}.")]
    private partial void LogConnectionFailed(LogLevel level, MqttFailureKind kind, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "MQTT: {Count} QoS 0 message(s) were handed over but not written before the connection dropped; they are lost (QoS 0)")]
    private partial void LogLostOnDisconnect(int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "MQTT outgoing queue is full ({Capacity} messages / {CapacityBytes} bytes): dropping the oldest QoS 0 telemetry, refusing new messages when only QoS 1 and retained messages are left. Logged once until the queue empties.")]
    private partial void LogQueueOverflow(int capacity, long capacityBytes);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "MQTT: a {Bytes}-byte message for '{Topic}' was not sent: {Reason}")]
    private partial void LogPublishRefused(string topic, int bytes, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "MQTT: the broker rejected a message for '{Topic}': {Reason}")]
    private partial void LogPublishRejectedByBroker(string topic, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "MQTT: the broker refused the subscription to '{Filter}' (SUBACK 0x{Code:X2})")]
    private partial void LogSubscriptionRefused(string filter, int code);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "MQTT: an exception in the {Handler} handler was caught; the connection carries on")]
    private partial void LogCallbackFault(Exception exception, string handler);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "MQTT: unexpected error in the connection loop; it will retry")]
    private partial void LogNetworkLoopFault(Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "MQTT: {Count} message(s) were still queued or unacknowledged after waiting {Timeout} at shutdown")]
    private partial void LogFlushTimedOut(TimeSpan timeout, int count);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "MQTT: {Count} message(s) discarded at shutdown")]
    private partial void LogDiscardedAtShutdown(int count);
}
