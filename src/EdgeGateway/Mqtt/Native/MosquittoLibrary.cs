using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeGateway.Mqtt.Native;

/// <summary>
/// Finds and loads libmosquitto once per process, and pairs <c>mosquitto_lib_init</c> with
/// <c>mosquitto_lib_cleanup</c>.
/// </summary>
/// <remarks>
/// <para>The library is located by a <see cref="NativeLibrary.SetDllImportResolver"/> resolver that tries
/// <c>libmosquitto.so.1</c> (the Debian/Raspberry Pi OS runtime package, which has no unversioned
/// <c>.so</c> link) and then <c>mosquitto</c> (the platform's default naming). When none loads, callers get
/// one <see cref="MqttUnavailableException"/> that says how to install it, rather than a
/// <see cref="DllNotFoundException"/> from deep inside the first call.</para>
/// <para>Clients hold a reference while they live. <c>mosquitto_lib_cleanup</c> runs at process exit, and
/// only if no client is alive then; not each time the count drops to zero, because it also unloads
/// OpenSSL configuration modules (<c>CONF_modules_unload</c>) that .NET's own cryptography in the same
/// process may still be using.</para>
/// </remarks>
internal static unsafe class MosquittoLibrary
{
    /// <summary>Names tried in order, as given to <see cref="NativeLibrary.TryLoad(string, out nint)"/>.</summary>
    internal static readonly IReadOnlyList<string> DefaultCandidates = ["libmosquitto.so.1", "mosquitto"];

    /// <summary>Oldest version with the MQTT 5 API (<c>mosquitto_connect_bind_v5</c>, v5 callbacks).</summary>
    internal static readonly Version MinimumVersion = new(1, 6, 0);

    private static readonly Lock Gate = new();
    private static IReadOnlyList<string> s_candidates = DefaultCandidates;
    private static nint s_handle;
    private static Version? s_version;
    private static MqttUnavailableException? s_failure;
    private static bool s_initialised;
    private static int s_references;

    /// <summary>The loaded library's version, once a client has been created.</summary>
    internal static Version? LoadedVersion
    {
        get { lock (Gate) return s_version; }
    }

    /// <summary>
    /// Replaces the names tried, before the first client in this process is created. A seam for tests
    /// and for the rare host that ships its own build; it has no effect once the library is loaded.
    /// </summary>
    internal static void UseCandidates(IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        lock (Gate)
        {
            if (s_handle != 0) throw new InvalidOperationException("libmosquitto is already loaded in this process; candidates can only be set before the first MQTT client is created.");
            s_candidates = [.. candidates];
            s_failure = null;
        }
    }

    /// <summary>Loads and initialises the library if needed and counts one more user.</summary>
    /// <exception cref="MqttUnavailableException">The library is missing, not libmosquitto, or too old.</exception>
    internal static void Acquire()
    {
        lock (Gate)
        {
            if (s_failure is not null) throw s_failure;
            if (s_handle == 0)
            {
                try
                {
                    (s_handle, s_version) = Load(s_candidates);
                }
                catch (MqttUnavailableException ex)
                {
                    // Remember it: the answer will not change while the process runs.
                    s_failure = ex;
                    throw;
                }
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(MosquittoLibrary).Assembly, Resolve);
                }
                catch (InvalidOperationException)
                {
                    // Another binding in this assembly registered the one resolver allowed first. The
                    // logical name is the Debian file name, so default probing still finds the library.
                }
                AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanupAtExit();
            }
            if (!s_initialised)
            {
                // Not thread safe in the library; the lock makes it so.
                var rc = MosquittoNative.mosquitto_lib_init();
                if (rc != Mosq.ErrSuccess)
                {
                    throw new MqttUnavailableException($"libmosquitto {s_version} was found but mosquitto_lib_init failed: {MosquittoNative.StrError(rc)}.");
                }
                s_initialised = true;
            }
            s_references++;
        }
    }

    /// <summary>Counts one user fewer. The library stays loaded and initialised (see remarks on the type).</summary>
    internal static void Release()
    {
        lock (Gate)
        {
            if (s_references > 0) s_references--;
        }
    }

    /// <summary>
    /// Tries each candidate name and returns the first that is libmosquitto of a usable version.
    /// Pure apart from loading libraries; the resolver and initialisation are done by <see cref="Acquire"/>.
    /// </summary>
    /// <exception cref="MqttUnavailableException">No candidate is a usable libmosquitto.</exception>
    internal static (nint Handle, Version Version) Load(IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var problems = new List<string>();
        foreach (var name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, typeof(MosquittoLibrary).Assembly, searchPath: null, out var handle))
            {
                problems.Add($"'{name}' was not found");
                continue;
            }
            if (!NativeLibrary.TryGetExport(handle, "mosquitto_lib_version", out var versionExport))
            {
                problems.Add($"'{name}' loaded but is not libmosquitto (it has no mosquitto_lib_version)");
                NativeLibrary.Free(handle);
                continue;
            }
            int major, minor, revision;
            ((delegate* unmanaged[Cdecl]<int*, int*, int*, int>)versionExport)(&major, &minor, &revision);
            var version = new Version(major, minor, revision);
            if (version < MinimumVersion || !NativeLibrary.TryGetExport(handle, "mosquitto_connect_bind_v5", out _))
            {
                problems.Add($"'{name}' is libmosquitto {version}, older than the {MinimumVersion} this gateway needs for MQTT 5");
                NativeLibrary.Free(handle);
                continue;
            }
            return (handle, version);
        }
        throw new MqttUnavailableException(
            $"libmosquitto (the Eclipse Mosquitto MQTT client library) is not available: {string.Join("; ", problems)}. " +
            "Install it with `sudo apt-get install libmosquitto1` (Debian, Ubuntu, Raspberry Pi OS) and start the gateway again.");
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != MosquittoNative.LibraryName) return 0;
        lock (Gate) return s_handle;
    }

    private static void CleanupAtExit()
    {
        lock (Gate)
        {
            if (!s_initialised || s_references > 0) return;
            MosquittoNative.mosquitto_lib_cleanup();
            s_initialised = false;
        }
    }
}
