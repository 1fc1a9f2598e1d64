namespace EdgeTrace.Benchmarks;

/// <summary>
/// One benchmark suite: measures a figure and the reference it is judged against, in the same
/// run, and returns a markdown section for docs/benchmarks.md.
/// </summary>
public interface IBenchmarkSuite
{
    /// <summary>Short name used on the command line, e.g. <c>merkle</c>.</summary>
    string Name { get; }

    /// <summary>What the suite measures, one line.</summary>
    string Description { get; }

    /// <summary>Runs the suite, printing progress to the console, and returns its markdown section.</summary>
    Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}

/// <summary>Settings shared by all suites.</summary>
/// <param name="Quick">Smaller sizes and fewer iterations, for a smoke run.</param>
/// <param name="WorkDirectory">A scratch folder the suite may fill; deleted afterwards.</param>
public sealed record BenchmarkContext(bool Quick, string WorkDirectory);
