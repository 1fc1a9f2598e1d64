using System.Runtime.CompilerServices;

// The tests reach the queue, tracker and library loader directly; the probe uses the loader's test seam.
[assembly: InternalsVisibleTo("EdgeGateway.Tests")]
[assembly: InternalsVisibleTo("MqttWillProbe")]
