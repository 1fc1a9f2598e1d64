using System.Runtime.InteropServices;

namespace EdgeGateway.Mqtt.Native;

/// <summary>
/// The libmosquitto functions the client uses, declared as in <c>mosquitto.h</c> of libmosquitto 2.0.
/// <see cref="MosquittoLibrary"/> resolves the logical name to the library it loaded, and must have been
/// acquired before any of these are called.
/// </summary>
/// <remarks>
/// Strings cross as UTF-8; C <c>bool</c> is one byte. The publish call takes raw pointers because it is
/// the hot path; everything else takes the <see cref="MosquittoHandle"/> so that the handle cannot be
/// destroyed while a call is in progress.
/// </remarks>
internal static unsafe partial class MosquittoNative
{
    // The Debian runtime file name, so that default probing also finds it should the resolver be absent.
    internal const string LibraryName = "libmosquitto.so.1";

    // ---- library ----
    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_lib_init();

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_lib_cleanup();

    // ---- client lifetime and options ----
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint mosquitto_new(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint userdata);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_destroy(nint mosq);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_int_option(MosquittoHandle mosq, int option, int value);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_threaded_set(MosquittoHandle mosq, [MarshalAs(UnmanagedType.U1)] bool threaded);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_max_inflight_messages_set(MosquittoHandle mosq, uint maxInflightMessages);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mosquitto_will_set(MosquittoHandle mosq, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mosquitto_username_pw_set(MosquittoHandle mosq, string? username, string? password);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mosquitto_tls_set(
        MosquittoHandle mosq, string? cafile, string? capath, string? certfile, string? keyfile,
        delegate* unmanaged[Cdecl]<byte*, int, int, nint, int> passwordCallback);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_tls_insecure_set(MosquittoHandle mosq, [MarshalAs(UnmanagedType.U1)] bool value);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_property_add_int32(nint* proplist, int identifier, uint value);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_property_free_all(nint* proplist);

    // ---- connection ----
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int mosquitto_connect_bind_v5(MosquittoHandle mosq, string host, int port, int keepalive, string? bindAddress, nint properties);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int mosquitto_reconnect(MosquittoHandle mosq);

    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_disconnect(MosquittoHandle mosq);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int mosquitto_loop(MosquittoHandle mosq, int timeout, int maxPackets);

    // ---- messages ----
    [LibraryImport(LibraryName)]
    internal static partial int mosquitto_publish(nint mosq, int* mid, byte* topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mosquitto_subscribe(MosquittoHandle mosq, int* mid, string sub, int qos);

    // ---- callbacks (all are invoked on the thread that runs mosquitto_loop) ----
    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_connect_v5_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> onConnect);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_disconnect_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> onDisconnect);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_publish_v5_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> onPublish);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_message_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, MosquittoMessage*, void> onMessage);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_subscribe_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, int*, void> onSubscribe);

    [LibraryImport(LibraryName)]
    internal static partial void mosquitto_log_callback_set(MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, byte*, void> onLog);

    // ---- text for codes (static strings owned by the library) ----
    [LibraryImport(LibraryName)]
    internal static partial nint mosquitto_strerror(int mosqErrno);

    [LibraryImport(LibraryName)]
    internal static partial nint mosquitto_connack_string(int connackCode);

    [LibraryImport(LibraryName)]
    internal static partial nint mosquitto_reason_string(int reasonCode);

    internal static string StrError(int code) => Marshal.PtrToStringUTF8(mosquitto_strerror(code)) ?? $"error {code}";

    internal static string ConnackString(int code) => Marshal.PtrToStringUTF8(mosquitto_connack_string(code)) ?? $"code {code}";

    internal static string ReasonString(int code) => Marshal.PtrToStringUTF8(mosquitto_reason_string(code)) ?? $"reason {code}";
}

/// <summary><c>struct mosquitto_message</c>; sequential layout matches the C ABI on 32- and 64-bit ARM and x64.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MosquittoMessage
{
    public int Mid;
    public byte* Topic;
    public byte* Payload;
    public int PayloadLength;
    public int Qos;
    public byte Retain;
}

/// <summary>Values from <c>mosquitto.h</c> and <c>mqtt_protocol.h</c> that the client uses.</summary>
internal static class Mosq
{
    // enum mosq_err_t
    public const int ErrConnPending = -1;
    public const int ErrSuccess = 0;
    public const int ErrNoMem = 1;
    public const int ErrProtocol = 2;
    public const int ErrInval = 3;
    public const int ErrNoConn = 4;
    public const int ErrConnRefused = 5;
    public const int ErrNotFound = 6;
    public const int ErrConnLost = 7;
    public const int ErrTls = 8;
    public const int ErrPayloadSize = 9;
    public const int ErrNotSupported = 10;
    public const int ErrAuth = 11;
    public const int ErrAclDenied = 12;
    public const int ErrUnknown = 13;
    public const int ErrErrno = 14;
    public const int ErrEai = 15;
    public const int ErrMalformedUtf8 = 18;
    public const int ErrKeepalive = 19;
    public const int ErrLookup = 20;
    public const int ErrMalformedPacket = 21;
    public const int ErrTlsHandshake = 23;
    public const int ErrQosNotSupported = 24;
    public const int ErrOversizePacket = 25;

    // enum mosq_opt_t
    public const int OptProtocolVersion = 1;

    // MQTT v5 property identifiers
    public const int PropSessionExpiryInterval = 17;

    // log levels (MOSQ_LOG_*)
    public const int LogInfo = 1 << 0;
    public const int LogNotice = 1 << 1;
    public const int LogWarning = 1 << 2;
    public const int LogErr = 1 << 3;
    public const int LogDebug = 1 << 4;

    // SUBACK return code for a refused subscription
    public const int SubackFailure = 0x80;
}
