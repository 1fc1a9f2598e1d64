using System.Text.Json.Serialization;

namespace Verifier.Commands;

[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class VerifierJson : JsonSerializerContext;
