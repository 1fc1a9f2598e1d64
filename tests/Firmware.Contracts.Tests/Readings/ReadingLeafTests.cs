using System.Text;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Readings;

public class ReadingLeafTests
{
    private static readonly byte[] Salt = Convert.FromHexString("00112233445566778899aabbccddeeff");

    private static LeafContent Temperature(double value = 4.25, long seq = 42) => new()
    {
        DeviceId = "gw-01",
        Sequence = seq,
        Kind = LeafKind.Measurement,
        TimeMs = 1_795_428_000_123,
        SensorId = "hwmon/sht3x/1-0044",
        Quantity = Senml.Temperature,
        Zone = "chiller-1",
        Unit = Senml.Celsius,
        Value = value,
    };

    [Fact]
    public void Create_Measurement_WritesGoldenBytes()
    {
        var leaf = ReadingLeaf.Create(Temperature(), Salt);
        Assert.Equal(
            """{"ver":1,"dev":"gw-01","seq":42,"kind":"measurement","sensor":"hwmon/sht3x/1-0044","zone":"chiller-1","n":"gw-01/hwmon/sht3x/1-0044/temperature","u":"Cel","t":1795428000.123,"v":4.25,"salt":"00112233445566778899aabbccddeeff"}""",
            leaf.ToString());
        Assert.Equal(Rfc9162.HashLeaf(leaf.Bytes.Span), leaf.LeafHash);
    }

    [Fact]
    public void Create_Observation_CarriesEpcAsStringValue()
    {
        var leaf = ReadingLeaf.Create(new LeafContent
        {
            DeviceId = "gw-01", Sequence = 7, Kind = LeafKind.Observation, TimeMs = 1_000, SensorId = "rfid/dock-1",
            Quantity = Senml.Epc, Zone = "dock", StringValue = "urn:epc:id:sgtin:0614141.812345.6789",
        }, Salt);
        Assert.Contains("\"n\":\"gw-01/rfid/dock-1/epc\",\"t\":1.000,\"vs\":\"urn:epc:id:sgtin:0614141.812345.6789\"", leaf.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RoundTripsEveryKind_KeepingBytesAndContent()
    {
        LeafContent[] contents =
        [
            Temperature(-18.5),
            Temperature(0) with { Quantity = Senml.Humidity, Unit = Senml.RelativeHumidity, Value = 87.125 },
            new() { DeviceId = "gw-01", Sequence = 1, Kind = LeafKind.Observation, TimeMs = 5, SensorId = "rfid/dock-1", Quantity = Senml.Epc, StringValue = "raw:04A1B2C3" },
            new() { DeviceId = "gw-01", Sequence = 2, Kind = LeafKind.Fault, TimeMs = 6, SensorId = "w1/28-0316a2791c3f", Quantity = Senml.Temperature, StringValue = "power-on-reset", Detail = "DS18B20 reported 85.000 \"°C\" after power-on" },
            new() { DeviceId = "gw-01", Sequence = 3, Kind = LeafKind.Alarm, TimeMs = 7, Zone = "chiller-1", Rule = "high-8c-10m", StringValue = "start", SensorId = "sim/chiller-1/t0", Value = 8.4, Unit = Senml.Celsius },
            new() { DeviceId = "gw-01", Sequence = 4, Kind = LeafKind.Event, TimeMs = 8, StringValue = "gateway-start", Detail = "version 1.0" },
        ];
        foreach (var content in contents)
        {
            var leaf = ReadingLeaf.Create(content, Salt);
            var parsed = ReadingLeaf.Parse(leaf.Bytes.Span);
            Assert.True(parsed.Succeeded, $"{leaf}: {parsed}");
            Assert.Equal(content, parsed.Value.Content);
            Assert.Equal(leaf.Bytes.ToArray(), parsed.Value.Bytes.ToArray());
            Assert.Equal(leaf.LeafHash, parsed.Value.LeafHash);
            Assert.Equal(Salt, parsed.Value.Salt.ToArray());
        }
    }

    [Fact]
    public void Parse_FieldsInAnotherOrder_KeepsTheGivenBytes()
    {
        var text = """{"salt":"00112233445566778899aabbccddeeff","t":1.500,"v":3,"u":"Cel","n":"d/s/temperature","kind":"measurement","seq":0,"dev":"d","sensor":"s","ver":1}""";
        var parsed = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Equal(text, parsed.Value.ToString());
        Assert.Equal(1500, parsed.Value.Content.TimeMs);
        Assert.Equal(Rfc9162.HashLeaf(Encoding.UTF8.GetBytes(text)), parsed.Value.LeafHash);
    }

    [Theory]
    [InlineData("", "leaf-size")]
    [InlineData("[]", "leaf-json")]
    [InlineData("{} ", "leaf-json")]
    [InlineData("""{"ver":2,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-version")]
    [InlineData("""{"ver":1,"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff","extra":1}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.0001,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":-1,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-json")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/y","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899AABBCCDDEEFF"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","salt":"0011"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"boom","n":"d/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"d/s/temperature","u":"%RH","t":1.000,"v":1,"salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"d/s/temperature","u":"Cel","t":1.000,"salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"d/s/temperature","u":"Cel","t":1.000,"v":"4","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"d/s/temperature","u":"Cel","t":1.000,"v":1,"salt":"00112233445566778899aabbccddeeff"}{}""", "leaf-json")]
    [InlineData("""{"ver":1,"dev":"d e","seq":0,"kind":"event","n":"d e/event/x","t":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""", "leaf-field")]
    public void Parse_Malformed_FailsWithReason(string text, string code)
    {
        var parsed = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text));
        Assert.False(parsed.Succeeded, $"accepted: {text}");
        Assert.Equal(code, parsed.Failure!.Code);
    }

    [Fact]
    public void Parse_InvalidUtf8_Fails()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"ver":1,"dev":"d","seq":0,"kind":"event","n":"d/event/x","t":1.000,"vs":"x","detail":"AB","salt":"00112233445566778899aabbccddeeff"}""");
        var at = Array.IndexOf(bytes, (byte)'A');
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28; // an invalid two-byte sequence
        Assert.False(ReadingLeaf.Parse(bytes).Succeeded);
    }

    [Fact]
    public void Create_InvalidContent_ThrowsNamingTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Temperature() with { Value = double.NaN }, Salt));
        Assert.Contains("finite", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Temperature() with { DeviceId = "bad id" }, Salt));
        Assert.Contains("device id", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Temperature() with { SensorId = "x\n" }, Salt));
        Assert.Contains("sensor id", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Temperature() with { Unit = Senml.RelativeHumidity }, Salt));
        Assert.Contains("Cel", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Temperature(), Salt.AsSpan(0, 15)));
    }

    // The identifier rules as the spec writes them; the leaf checks them with set scans.
    public static TheoryData<string, string, int> IdentifierRules() => new()
    {
        { "device", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", 66 },
        { "zone", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", 66 },
        { "sensor", "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\\z", 130 },
        { "fault", "^[a-z0-9][a-z0-9-]{0,63}\\z", 66 },
    };

    [Theory]
    [MemberData(nameof(IdentifierRules))]
    public void Create_AcceptsAnIdentifierExactlyWhenItsRuleMatches(string field, string rule, int maxLength)
    {
        var pattern = new System.Text.RegularExpressions.Regex(rule);
        const string alphabet = "aZ09._-:/ \"\\~!#[]{}é\n\t\u0000A";
        var random = new Random(field.GetHashCode(StringComparison.Ordinal));
        var accepted = 0;
        for (var i = 0; i < 4000; i++)
        {
            // Mostly one repeated safe character with a few others mixed in, so that both outcomes and every length occur.
            var length = i < maxLength ? i : random.Next(0, maxLength + 1);
            var chars = new char[length];
            for (var k = 0; k < length; k++)
            {
                chars[k] = random.Next(8) == 0 ? alphabet[random.Next(alphabet.Length)] : (field == "fault" ? 'q' : 'A');
            }
            var value = new string(chars);
            var content = field switch
            {
                "device" => Temperature() with { DeviceId = value },
                "zone" => Temperature() with { Zone = value },
                "sensor" => Temperature() with { SensorId = value },
                _ => Temperature() with { Unit = null, Value = null, Kind = LeafKind.Fault, StringValue = value },
            };
            var expected = pattern.IsMatch(value);
            var created = Creates(content);
            Assert.True(expected == created, $"{field} '{value}' (length {value.Length}): rule says {expected}, leaf said {created}");
            accepted += created ? 1 : 0;
        }
        Assert.InRange(accepted, 200, 3800);
    }

    [Fact]
    public void Salt_ChangesTheLeafHash_ForTheSameReading()
    {
        var a = ReadingLeaf.Create(Temperature(), Salt);
        var b = ReadingLeaf.Create(Temperature(), Convert.FromHexString("ffeeddccbbaa99887766554433221100"));
        Assert.NotEqual(a.LeafHash, b.LeafHash);
    }

    [Theory]
    [InlineData(0L, "0.000")]
    [InlineData(1L, "0.001")]
    [InlineData(999L, "0.999")]
    [InlineData(1_795_428_000_123L, "1795428000.123")]
    public void FormatTime_WritesSecondsWithThreeDecimals(long ms, string expected) => Assert.Equal(expected, ReadingLeaf.FormatTime(ms));

    // 't' has one spelling, the one writers use: digits, a point and exactly three decimals. Other
    // spellings of the same number are refused, so that no reader needs decimal or float arithmetic
    // and all readers refuse the same leaves (docs/spec.md §2.2).
    [Theory]
    [InlineData("1795428000.123", 1_795_428_000_123L)]
    [InlineData("0.000", 0L)]
    [InlineData("0.001", 1L)]
    [InlineData("1795428000.000", 1_795_428_000_000L)]
    [InlineData("253402300799.999", ReadingLeaf.MaxTimeMs)]
    public void Parse_TimeWithThreeDecimals_GivesMilliseconds(string t, long expected)
    {
        var parsed = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(EventLeaf(t)));
        Assert.True(parsed.Succeeded, parsed.Failure?.ToString());
        Assert.Equal(expected, parsed.Value.Content.TimeMs);
    }

    [Theory]
    [InlineData("1795428000.1234")]
    [InlineData("1795428000.1230")]
    [InlineData("1795428000.12")]
    [InlineData("1795428000.1")]
    [InlineData("1795428000")]
    [InlineData("0")]
    [InlineData("1.795428000123e9")]
    [InlineData("1795428000123E-3")]
    [InlineData("1.000e0")]
    [InlineData("-1.000")]
    [InlineData("-0.000")]
    [InlineData("253402300800.000")]
    [InlineData("1234567890123456.000")]
    [InlineData("1e400")]
    [InlineData("\"1.000\"")]
    public void Parse_TimeInAnyOtherSpellingOrOutOfRange_IsRefused(string t)
    {
        var parsed = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(EventLeaf(t)));
        Assert.False(parsed.Succeeded, $"accepted t={t}");
        Assert.Equal("leaf-field", parsed.Failure!.Code);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1e0")]
    [InlineData("-0")]
    [InlineData("+1")]
    [InlineData("01")]
    [InlineData("9223372036854775808")]
    [InlineData("\"1\"")]
    public void Parse_SequenceNotWrittenWithDigitsOnly_IsRefused(string seq)
    {
        var text = EventLeaf("1.000").Replace("\"seq\":0", "\"seq\":" + seq, StringComparison.Ordinal);
        Assert.False(ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text)).Succeeded, $"accepted seq={seq}");
    }

    [Theory]
    [InlineData(LeafKind.Measurement, "temperature", true)]
    [InlineData(LeafKind.Measurement, "humidity", true)]
    [InlineData(LeafKind.Measurement, "pressure", true)]
    [InlineData(LeafKind.Measurement, "voltage", false)]
    [InlineData(LeafKind.Measurement, "epc", false)]
    [InlineData(LeafKind.Fault, "temperature", true)]
    [InlineData(LeafKind.Fault, "humidity", true)]
    [InlineData(LeafKind.Fault, "pressure", true)]
    [InlineData(LeafKind.Fault, "epc", true)]
    [InlineData(LeafKind.Fault, "voltage", false)]
    [InlineData(LeafKind.Observation, "temperature", false)]
    public void Create_Quantity_IsOneTheKindAllows(LeafKind kind, string quantity, bool valid)
    {
        var content = kind switch
        {
            LeafKind.Measurement => Temperature() with { Quantity = quantity, Unit = Senml.UnitOf(quantity) ?? Senml.Celsius },
            LeafKind.Fault => Temperature() with { Kind = kind, Quantity = quantity, Unit = null, Value = null, StringValue = "io-error" },
            _ => Temperature() with { Kind = kind, Quantity = quantity, Unit = null, Value = null, StringValue = "raw:04A1" },
        };
        Assert.Equal(valid, Creates(content));
    }

    [Theory]
    [InlineData("urn:epc:id:sgtin:0614141.812345.6789", true)]
    [InlineData("urn:epc:id:sgtin:0614141.712345.32a%2Fb", true)]
    [InlineData("raw:04A1B2C3", true)]
    [InlineData("raw:0", true)]
    [InlineData("raw:", false)]
    [InlineData("raw:04a1b2c3", false)]
    [InlineData("RAW:04A1", false)]
    [InlineData("04A1B2C3", false)]
    [InlineData("urn:epc:id:sgtin:0614141.712345.32a%2fb", false)]
    [InlineData("urn:epc:id:sgtin:0614141.812345.67%389", false)]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a/b", false)]
    [InlineData("URN:EPC:ID:SGTIN:0614141.812345.6789", false)]
    [InlineData("urn:epc:id:sscc:0614141.1234567890", false)]
    [InlineData("urn:epc:tag:sgtin-96:3.0614141.812345.6789", false)]
    public void Create_Observation_IsAnSgtinUriOrRawHex(string value, bool valid)
    {
        var content = Temperature() with { Kind = LeafKind.Observation, Quantity = Senml.Epc, Unit = null, Value = null, StringValue = value };
        Assert.Equal(valid, Creates(content));
    }

    [Fact]
    public void Parse_EscapedFieldNames_AreReadAsTheFields()
    {
        var text = """{"ver":1,"d\u0065v":"d","seq":0,"kind":"event","n":"d/event/x","\u0074":1.000,"vs":"x","salt":"00112233445566778899aabbccddeeff"}""";
        var parsed = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(parsed.Succeeded, parsed.Failure?.ToString());
        Assert.Equal("d", parsed.Value.Content.DeviceId);
        Assert.Equal(1000L, parsed.Value.Content.TimeMs);
    }

    [Theory]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"alarm","zone":"z","rule":"r","n":"d/alarm/z/r","t":1.000,"vs":"start","salt":"00112233445566778899aabbccddeeff"}""", true)]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"alarm","zone":"z","rule":"r","n":"d/alarm/z/r/","t":1.000,"vs":"start","salt":"00112233445566778899aabbccddeeff"}""", false)]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"alarm","zone":"z","rule":"r","n":"d/alarm/zr","t":1.000,"vs":"start","salt":"00112233445566778899aabbccddeeff"}""", false)]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s/1","n":"d/s/1/temperature","u":"Cel","t":1.000,"v":1,"salt":"00112233445566778899aabbccddeeff"}""", true)]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"d/s/1/temperature","u":"Cel","t":1.000,"v":1,"salt":"00112233445566778899aabbccddeeff"}""", false)]
    [InlineData("""{"ver":1,"dev":"d","seq":0,"kind":"measurement","sensor":"s","n":"dd/s/temperature","u":"Cel","t":1.000,"v":1,"salt":"00112233445566778899aabbccddeeff"}""", false)]
    public void Parse_Name_MustBeTheOneTheOtherFieldsGive(string text, bool valid)
    {
        Assert.Equal(valid, ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text)).Succeeded);
    }

    [Fact]
    public void Create_DetailWithQuotesBackslashAndNonAscii_IsEscapedAndRoundTrips()
    {
        var content = new LeafContent
        {
            DeviceId = "gw-01",
            Sequence = 7,
            Kind = LeafKind.Event,
            TimeMs = 1_795_428_000_005,
            StringValue = "clock-step",
            Detail = "stepped \"+1.5 s\" at C:\\ 4 °C",
        };
        var leaf = ReadingLeaf.Create(content, Salt);
        Assert.Equal(
            """{"ver":1,"dev":"gw-01","seq":7,"kind":"event","n":"gw-01/event/clock-step","t":1795428000.005,"vs":"clock-step","detail":"stepped \"+1.5 s\" at C:\\ 4 °C","salt":"00112233445566778899aabbccddeeff"}""",
            leaf.ToString());
        var parsed = ReadingLeaf.Parse(leaf.Bytes.Span);
        Assert.True(parsed.Succeeded, parsed.Failure?.ToString());
        Assert.Equal(content, parsed.Value.Content);
    }

    [Theory]
    [InlineData(-3.5, "-3.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(123456789.125, "123456789.125")]
    public void Create_Value_IsWrittenRoundTrippable(double value, string expected)
    {
        var leaf = ReadingLeaf.Create(Temperature(value), Salt);
        Assert.Contains($",\"v\":{expected},", leaf.ToString(), StringComparison.Ordinal);
        Assert.Equal(value, ReadingLeaf.Parse(leaf.Bytes.Span).Value.Content.Value);
    }

    private static bool Creates(LeafContent content)
    {
        try
        {
            ReadingLeaf.Create(content, Salt);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string EventLeaf(string t) =>
        "{\"ver\":1,\"dev\":\"d\",\"seq\":0,\"kind\":\"event\",\"n\":\"d/event/x\",\"t\":" + t + ",\"vs\":\"x\",\"salt\":\"00112233445566778899aabbccddeeff\"}";
}
