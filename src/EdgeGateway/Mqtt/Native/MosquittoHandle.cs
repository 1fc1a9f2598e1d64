using System.Runtime.InteropServices;

namespace EdgeGateway.Mqtt.Native;

/// <summary>
/// A <c>struct mosquitto*</c> together with the <see cref="GCHandle"/> passed to libmosquitto as callback
/// user data and the process-wide library reference.
/// </summary>
/// <remarks>
/// Releasing destroys the native client first and frees the user data handle after it, so no callback can
/// see a freed handle. A call in progress on another thread keeps the native client alive until it returns
/// (SafeHandle reference counting).
/// </remarks>
internal sealed class MosquittoHandle : SafeHandle
{
    private GCHandle _userdata;

    private MosquittoHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The value libmosquitto passes back to every callback as <c>obj</c>.</summary>
    internal nint Userdata => GCHandle.ToIntPtr(_userdata);

    /// <summary>Creates a native client whose callbacks will receive <paramref name="owner"/>.</summary>
    /// <exception cref="MqttUnavailableException">libmosquitto is missing or too old.</exception>
    internal static MosquittoHandle Create(string? clientId, bool cleanSession, object owner)
    {
        MosquittoLibrary.Acquire();
        var userdata = GCHandle.Alloc(owner);
        var mosq = MosquittoNative.mosquitto_new(clientId, cleanSession, GCHandle.ToIntPtr(userdata));
        if (mosq == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            userdata.Free();
            MosquittoLibrary.Release();
            throw new InvalidOperationException($"libmosquitto could not create a client (mosquitto_new): {Marshal.GetPInvokeErrorMessage(errno)}.");
        }
        var result = new MosquittoHandle { _userdata = userdata };
        result.SetHandle(mosq);
        return result;
    }

    /// <summary>Recovers the owner from callback user data; null if the data is not ours.</summary>
    internal static T? Owner<T>(nint userdata)
        where T : class =>
        userdata == 0 ? null : GCHandle.FromIntPtr(userdata).Target as T;

    protected override bool ReleaseHandle()
    {
        MosquittoNative.mosquitto_destroy(handle);
        if (_userdata.IsAllocated) _userdata.Free();
        MosquittoLibrary.Release();
        return true;
    }
}
