using System.Globalization;

namespace EdgeGateway.Tests.Sensors.Sysfs;

/// <summary>
/// A sysfs tree in a temp folder, laid out as a Raspberry Pi 4 shows it: devices under
/// /sys/devices, class and bus entries as relative symlinks into them, attribute files holding what
/// the drivers print (values from the parts' datasheet ranges).
/// </summary>
public sealed class FakeSysfsTree : IDisposable
{
    private const string I2c1 = "sys/devices/platform/soc/fe804000.i2c/i2c-1";

    public FakeSysfsTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "edgetrace-sysfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>An SHT3x/SHT4x on I2C bus 1 through the hwmon driver; returns /sys/class/hwmon/hwmonN.</summary>
    public string AddSht(int hwmonIndex, string driver = "sht3x", string address = "1-0044",
        string? temp1Input = "22350\n", string? humidity1Input = "45210\n")
    {
        var device = $"{I2c1}/{address}";
        Write($"{device}/name", driver + "\n");
        var hwmon = $"{device}/hwmon/hwmon{hwmonIndex}";
        Write($"{hwmon}/name", driver + "\n");
        if (temp1Input is not null) Write($"{hwmon}/temp1_input", temp1Input);
        if (humidity1Input is not null) Write($"{hwmon}/humidity1_input", humidity1Input);
        Write($"{hwmon}/update_interval", "0\n");
        Link($"{hwmon}/device", $"../../../{address}");
        Link($"sys/class/hwmon/hwmon{hwmonIndex}", $"../../devices/platform/soc/fe804000.i2c/i2c-1/{address}/hwmon/hwmon{hwmonIndex}");
        return Abs($"sys/class/hwmon/hwmon{hwmonIndex}");
    }

    /// <summary>The SoC thermal zone's hwmon entry, which every Pi has and discovery must skip.</summary>
    public string AddCpuThermal(int hwmonIndex)
    {
        var hwmon = $"sys/devices/virtual/thermal/thermal_zone0/hwmon{hwmonIndex}";
        Write($"{hwmon}/name", "cpu_thermal\n");
        Write($"{hwmon}/temp1_input", "48686\n");
        Link($"sys/class/hwmon/hwmon{hwmonIndex}", $"../../devices/virtual/thermal/thermal_zone0/hwmon{hwmonIndex}");
        return Abs($"sys/class/hwmon/hwmon{hwmonIndex}");
    }

    /// <summary>A BME280 (or BMP280 without humidity) on I2C through the bmp280 IIO driver.</summary>
    public string AddBmx280(int iioIndex, string name = "bme280", string address = "1-0076",
        IReadOnlyDictionary<string, string>? attributes = null)
    {
        // What the driver prints: m°C, kPa as IIO_VAL_FRACTIONAL (nine decimals), m%RH.
        attributes ??= name == "bme280"
            ? new Dictionary<string, string>
            {
                ["in_temp_input"] = "21930\n",
                ["in_pressure_input"] = "100.558593750\n",
                ["in_humidityrelative_input"] = "48123\n",
            }
            : new Dictionary<string, string>
            {
                ["in_temp_input"] = "21930\n",
                ["in_pressure_input"] = "100.558593750\n",
            };
        return AddIio(iioIndex, name, $"{I2c1}/{address}", attributes, extra: ["in_temp_oversampling_ratio", "in_pressure_oversampling_ratio"]);
    }

    /// <summary>A DHT11/DHT22 through the dht11 IIO driver, as the dht11 overlay creates it.</summary>
    public string AddDht(int iioIndex, int gpio = 4, string? tempInput = "21500\n", string? humidityInput = "55300\n")
    {
        var attributes = new Dictionary<string, string>();
        if (tempInput is not null) attributes["in_temp_input"] = tempInput;
        if (humidityInput is not null) attributes["in_humidityrelative_input"] = humidityInput;
        return AddIio(iioIndex, "dht11", $"sys/devices/platform/dht11@{gpio:x}", attributes, extra: []);
    }

    public string AddIio(int iioIndex, string name, string parent, IReadOnlyDictionary<string, string> attributes, string[] extra)
    {
        var dir = $"{parent}/iio:device{iioIndex}";
        Write($"{dir}/name", name + "\n");
        foreach (var (file, text) in attributes) Write($"{dir}/{file}", text);
        foreach (var file in extra) Write($"{dir}/{file}", "16\n");
        Link($"sys/bus/iio/devices/iio:device{iioIndex}", "../../../" + dir["sys/".Length..]);
        return Abs($"sys/bus/iio/devices/iio:device{iioIndex}");
    }

    /// <summary>A w1_therm slave on w1_bus_master1; returns /sys/bus/w1/devices/&lt;id&gt;.</summary>
    public string AddW1(string slaveId, string? w1Slave, string? temperature = null)
    {
        var master = "sys/devices/w1_bus_master1";
        var dir = $"{master}/{slaveId}";
        Write($"{dir}/name", slaveId + "\n");
        if (w1Slave is not null) Write($"{dir}/w1_slave", w1Slave);
        if (temperature is not null) Write($"{dir}/temperature", temperature);
        Write($"{dir}/resolution", "12\n");
        Write($"{master}/w1_master_slave_count", "1\n");
        Link($"sys/bus/w1/devices/{slaveId}", $"../../../devices/w1_bus_master1/{slaveId}");
        if (!Path.Exists(Abs("sys/bus/w1/devices/w1_bus_master1")))
            Link("sys/bus/w1/devices/w1_bus_master1", "../../../devices/w1_bus_master1");
        return Abs($"sys/bus/w1/devices/{slaveId}");
    }

    /// <summary>
    /// w1_slave as w1_therm prints it for a DS18B20 at 12-bit resolution: the nine scratchpad bytes
    /// (temperature LSB/MSB in 1/16 °C, TH, TL, config 0x7f, 0xff, count-remain, 0x10, CRC-8),
    /// the CRC verdict, then t= in m°C (raw × 1000 / 16, as the driver computes it).
    /// </summary>
    public static string W1Slave(double celsius, bool crcOk = true)
    {
        var raw = (short)Math.Round(celsius * 16);
        byte[] pad = [(byte)(raw & 0xff), (byte)((raw >> 8) & 0xff), 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0];
        pad[8] = DallasCrc8(pad.AsSpan(0, 8));
        var crcShown = crcOk ? pad[8] : (byte)(pad[8] ^ 0x5a);
        return W1SlaveFromBytes(pad, crcShown, crcOk, raw * 1000 / 16);
    }

    public static string W1SlaveFromBytes(byte[] pad, byte crcShown, bool crcOk, int milli)
    {
        var hex = string.Join(' ', pad.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{hex} : crc={crcShown:x2} {(crcOk ? "YES" : "NO")}\n{hex} t={milli}\n");
    }

    /// <summary>Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, LSB first), as on the DS18B20 scratchpad.</summary>
    public static byte DallasCrc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (var b in data)
        {
            var v = b;
            for (var i = 0; i < 8; i++)
            {
                var mix = (byte)((crc ^ v) & 1);
                crc >>= 1;
                if (mix != 0) crc ^= 0x8c;
                v >>= 1;
            }
        }
        return crc;
    }

    public string Abs(string relative) => Path.Combine(Root, relative);

    public void Write(string relativeOrAbsolute, string text)
    {
        var path = Path.IsPathRooted(relativeOrAbsolute) ? relativeOrAbsolute : Abs(relativeOrAbsolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Link(string relativeLink, string target)
    {
        var link = Abs(relativeLink);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, target);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
