using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>RFC 9457 responses, each logged once with its values escaped (<see cref="LogText"/>).</summary>
internal static partial class Problems
{
    /// <summary>The problem as a result.</summary>
    public static IResult Result(NodeProblem problem) => new ProblemResult(problem);

    /// <summary>Writes the problem as the response.</summary>
    public static Task WriteAsync(HttpContext context, NodeProblem problem) => Result(problem).ExecuteAsync(context);

    /// <summary>A problem for a failure code with the status it implies.</summary>
    public static IResult Of(string code, string detail) => Result(new NodeProblem(code, NodeProblem.StatusOf(code), detail));

    /// <summary>A problem about one request member, named in the problem's <c>field</c>.</summary>
    public static NodeProblem Field(string code, string field, string detail, int? status = null) =>
        new(code, status ?? NodeProblem.StatusOf(code), detail) { Extensions = new Dictionary<string, object?> { ["field"] = field } };

    [LoggerMessage(Level = LogLevel.Information, Message = "refused {Method} {Path}: {Status} {Code} field {Field}: {Detail}")]
    private static partial void FieldRefused(ILogger logger, string method, string path, int status, string code, string field, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "refused {Method} {Path}: {Status} {Code}: {Detail}")]
    private static partial void Refused(ILogger logger, string method, string path, int status, string code, string detail);

    private sealed class ProblemResult(NodeProblem problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            // A refusal's values came from the client: the log gets them escaped and cut short, never raw.
            var logger = httpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("AnchorNode.Endpoints.Refusals");
            if (logger is not null && problem.Status < 500)
            {
                var method = LogText.Line(httpContext.Request.Method, 16);
                var path = LogText.Line(httpContext.Request.Path.Value, 120);
                var detail = LogText.Line(problem.Detail);
                if (problem.Extensions.TryGetValue("field", out var field) && field is string name)
                {
                    FieldRefused(logger, method, path, problem.Status, problem.Code, LogText.Line(name, 80), detail);
                }
                else
                {
                    Refused(logger, method, path, problem.Status, problem.Code, detail);
                }
            }
            return TypedResults.Problem(detail: problem.Detail, statusCode: problem.Status, title: problem.Title, type: ProblemTypes.For(problem.Code),
                extensions: problem.Extensions).ExecuteAsync(httpContext);
        }
    }
}
