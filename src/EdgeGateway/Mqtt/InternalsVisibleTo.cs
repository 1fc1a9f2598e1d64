using System.Runtime.CompilerServices;

// The tests reach the outgoing queue, the backoff and the receive handler's test seam directly.
[assembly: InternalsVisibleTo("EdgeGateway.Tests")]
