using System.CommandLine;
using EdgeGateway.Daemon;

namespace EdgeGateway.Cli;

/// <summary><c>sensors --sysfs-root DIR [--json]</c>: discovers sensors and prints one reading (or fault) each.</summary>
internal static class SensorsCommand
{
    public static Command Create(TextWriter output)
    {
        var root = new Option<string>("--sysfs-root") { Description = "The root under which /sys is read", DefaultValueFactory = _ => "/" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {id,kind,quantity,unit,value|fault}" };
        var command = new Command("sensors", "Discover the board's sensors and print one current reading (or fault) of each.") { root, json };
        command.SetAction(parse =>
        {
            _ = output;
            return ExitCodes.Failure;
        });
        return command;
    }
}
