using VaeGpu.Accelerators.Cuda;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Devices;
using VaeGpu.Configuration;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

[Collection(ProcessEnvironmentCollection.Name)] // reads VAEGPU_DEBUG, which other tests set
public sealed class CliAppTests
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    private int Run(bool terminal, params string[] args)
    {
        var console = new CliConsole(_out, _error, terminal);
        return new CliApp(BuiltInCommands.Create(console), console).Run(args);
    }

    private int Run(ICommand command, params string[] args)
    {
        var console = new CliConsole(_out, _error, isTerminal: false);
        return new CliApp(new CommandRegistry().Add(command), console).Run(args);
    }

    [Fact]
    public void Devices_lists_the_cpu_every_opencl_device_and_every_cuda_device()
    {
        Assert.Equal(0, Run(terminal: false, "devices"));

        string[] lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, _out.ToString());
        Assert.StartsWith($"cpu: usable: {Environment.ProcessorCount} logical processors, SIMD ", lines[0], StringComparison.Ordinal);
        string[] openCl = lines.Where(l => l.StartsWith("opencl", StringComparison.Ordinal)).ToArray();
        string[] cuda = lines.Where(l => l.StartsWith("cuda", StringComparison.Ordinal)).ToArray();
        Assert.Equal(lines.Length, 1 + openCl.Length + cuda.Length);
        foreach (string line in openCl)
            Assert.Matches(@"^opencl(:\d+(:\d+)?)?: (not )?usable: \S", line);
        Assert.Equal(OpenClDevices.Discover().Count == 0 ? 1 : OpenClDevices.Discover().Count, openCl.Length);
        if (OpenClDevices.LoaderProblem is { } problem)
            Assert.Equal($"opencl: not usable: {problem}", openCl[0]);
        CudaDiscovery discovery = CudaDevices.Discovery;
        if (discovery.DriverProblem is { } cudaProblem)
            Assert.Equal([$"cuda: not usable: {cudaProblem}"], cuda);
        else
            foreach (string line in cuda)
                Assert.Matches(@"^cuda(:\d+)?: (not )?usable: \S", line);
        Assert.Empty(_error.ToString());
    }

    [Fact]
    public void Devices_reports_a_missing_opencl_loader_on_one_line()
    {
        DeviceStatus line = Assert.Single(DeviceProbe.OpenCl(OpenClDiscovery.Missing(OpenClDevices.LoaderMissing)));

        Assert.Equal(new DeviceStatus("opencl", false, OpenClDevices.LoaderMissing), line);
    }

    [Fact]
    public void Devices_describes_each_opencl_device_and_says_why_one_is_unusable()
    {
        var discovery = new OpenClDiscovery(
            [new OpenClPlatformInfo(0, 1, "Portable Computing Language", "OpenCL 3.0 PoCL"), new OpenClPlatformInfo(1, 2, "Broken", "", "clGetDeviceIDs failed: CL_INVALID_PLATFORM (-32)")],
            [
                new OpenClDeviceInfo(0, 0, 1, 10, "Portable Computing Language", "cpu-device", "OpenCL 3.0 PoCL", "OpenCL C 1.2 PoCL",
                    false, 2, 8UL << 30, 256 << 10, 4096, null),
                new OpenClDeviceInfo(0, 1, 1, 11, "Portable Computing Language", "old-gpu", "OpenCL 1.1", "OpenCL C 1.1",
                    true, 4, 1UL << 30, 32 << 10, 1024, "OpenCL C 1.1 is below 1.2"),
            ],
            null);

        IReadOnlyList<DeviceStatus> lines = DeviceProbe.OpenCl(discovery);

        Assert.Equal(3, lines.Count);
        Assert.Equal(new DeviceStatus("opencl:0:0", true,
            "Portable Computing Language / cpu-device: not a GPU, OpenCL 3.0 PoCL, OpenCL C 1.2 PoCL, 2 compute units, 8 GiB global, " +
            "256 KiB local memory, work-groups up to 4096"), lines[0]);
        Assert.Equal("opencl:0:1", lines[1].Name);
        Assert.False(lines[1].Usable);
        Assert.StartsWith("Portable Computing Language / old-gpu: GPU, ", lines[1].Details, StringComparison.Ordinal);
        Assert.EndsWith("; OpenCL C 1.1 is below 1.2", lines[1].Details, StringComparison.Ordinal);
        Assert.Equal(new DeviceStatus("opencl:1", false, "Broken: clGetDeviceIDs failed: CL_INVALID_PLATFORM (-32)"), lines[2]);
    }

    [Theory]
    [InlineData(0UL, "0 bytes")]
    [InlineData(1023UL, "1023 bytes")]
    [InlineData(65536UL, "64 KiB")]
    [InlineData(8160000000UL, "7.6 GiB")]
    public void Devices_sizes_read_in_binary_units(ulong bytes, string expected) => Assert.Equal(expected, DeviceProbe.Size(bytes));

    [Fact]
    public void Devices_draws_a_table_on_a_terminal()
    {
        Assert.Equal(0, Run(terminal: true, "devices"));

        string output = _out.ToString();
        Assert.Contains("Device", output, StringComparison.Ordinal);
        Assert.Contains("cuda", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cpu: usable", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_refuses_arguments()
    {
        Assert.Equal(2, Run(terminal: false, "devices", "--all"));
        Assert.Equal("error: devices takes no arguments (got '--all')" + Environment.NewLine, _error.ToString());
    }

    [Theory]
    [InlineData("--seconds", "0", "error: bench: --seconds must be a number of seconds in (0, 3600], got '0'")]
    [InlineData("--seconds", "abc", "error: bench: --seconds must be a number of seconds in (0, 3600], got 'abc'")]
    [InlineData("--fast", null, "error: bench: unknown argument '--fast' (bench [--device auto|cpu|opencl|cuda] [--seconds N] [--json [FILE]])")]
    public void Bench_argument_mistakes_are_one_line_with_exit_code_2(string name, string? value, string expected)
    {
        string[] args = value is null ? ["bench", name] : ["bench", name, value];
        Assert.Equal(2, Run(terminal: false, args));
        Assert.Equal(expected + Environment.NewLine, _error.ToString());
    }

    [Fact]
    public void Bench_json_has_training_and_forward_figures_for_the_cpu()
    {
        Assert.Equal(0, Run(terminal: false, "bench", "--device", "cpu", "--seconds", "0.5", "--json"));
        using var json = System.Text.Json.JsonDocument.Parse(_out.ToString());
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Contains(results, r => r.GetProperty("accelerator").GetString() == "cpu gemm v2" &&
            r.GetProperty("kind").GetString() == "train" && r.GetProperty("samples_per_s").GetDouble() > 0);
        Assert.Contains(results, r => r.GetProperty("kind").GetString() == "LinearForward" &&
            r.GetProperty("shape").GetString() == "4096×1024→1024" && r.GetProperty("gflops").GetDouble() > 0);
    }

    [Fact]
    public void An_unknown_verb_is_one_line_with_exit_code_2()
    {
        Assert.Equal(2, Run(terminal: false, "trian"));

        Assert.Equal("error: unknown command 'trian' (commands: train, eval, sample, reconstruct, interpolate, latents, score, devices, bench, help)" + Environment.NewLine, _error.ToString());
        Assert.Empty(_out.ToString());
    }

    [Theory]
    [InlineData]
    [InlineData("help")]
    [InlineData("--help")]
    public void Help_lists_every_verb_with_its_summary(params string[] args)
    {
        Assert.Equal(0, Run(terminal: false, args));

        foreach (string verb in new[] { "train", "eval", "sample", "reconstruct" })
            Assert.Matches($"(?m)^  {verb} +[A-Z]", _out.ToString());
        Assert.Matches("(?m)^  devices +List the CPU", _out.ToString());
        Assert.Matches("(?m)^  help +Show this text", _out.ToString());
    }

    [Fact]
    public void A_user_mistake_exits_with_its_own_code()
    {
        Assert.Equal(3, Run(new ThrowingCommand(new UserInputException("no such file 'x'", exitCode: 3)), "throw"));

        Assert.Equal("error: no such file 'x'" + Environment.NewLine, _error.ToString());
    }

    [Fact]
    public void An_internal_failure_is_one_line_and_exit_code_1()
    {
        using var _ = new EnvironmentVariable(CliApp.DebugVariable, null);

        Assert.Equal(1, Run(new ThrowingCommand(new InvalidOperationException("boom\nsecond line")), "throw"));

        Assert.Equal("error: InvalidOperationException: boom second line" + Environment.NewLine, _error.ToString());
    }

    [Fact]
    public void The_debug_variable_adds_the_stack_trace()
    {
        using var _ = new EnvironmentVariable(CliApp.DebugVariable, "1");

        Assert.Equal(1, Run(new ThrowingCommand(new InvalidOperationException("boom")), "throw"));

        Assert.Contains("at VaeGpu.Tests.Commands.CliAppTests.ThrowingCommand.Run", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_verb_is_registered_once()
    {
        var registry = new CommandRegistry().Add(new ThrowingCommand(new Exception()));

        Assert.Throws<ArgumentException>(() => registry.Add(new ThrowingCommand(new Exception())));
    }

    private sealed class ThrowingCommand(Exception exception) : ICommand
    {
        public string Name => "throw";

        public string Summary => "Throws.";

        public int Run(string[] args) => throw exception;
    }
}
