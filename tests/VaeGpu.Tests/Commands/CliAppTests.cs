using VaeGpu.Cli;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Configuration;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Devices;
using VaeGpu.Tests.Configuration;
using VaeGpu.Accelerators;

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
    public void Devices_lists_the_cpu_and_every_ilgpu_device_with_why_one_is_unusable()
    {
        Assert.Equal(0, Run(terminal: false, "devices"));

        string[] lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"cpu: usable: {Environment.ProcessorCount} logical processors, SIMD ", lines[0], StringComparison.Ordinal);
        foreach (string line in lines.Skip(1))
            Assert.Matches(@"^(cuda(:\d+)?|opencl(:\d+:\d+)?|ilgpu-cpu): (not )?usable: \S", line);
        Assert.Contains(lines, line => line.StartsWith("ilgpu-cpu: usable: ILGPU's CPU accelerator", StringComparison.Ordinal));
        IlgpuDiscovery discovery = IlgpuDevices.Discovery;
        if (discovery.CudaProblem is { } cudaProblem)
            Assert.Contains($"cuda: not usable: {cudaProblem}", lines);
        if (discovery.OpenClProblem is { } openClProblem)
            Assert.Contains($"opencl: not usable: {openClProblem}", lines);
        Assert.Empty(_error.ToString());
    }

    [Fact]
    public void Devices_says_on_one_line_each_which_runtime_is_missing()
    {
        var discovery = new IlgpuDiscovery([IlgpuCpu], "no CUDA driver (libcuda.so.1 not found)", "no OpenCL loader (libOpenCL.so.1 not found)");

        Assert.Equal(
        [
            new DeviceStatus("cuda", false, "no CUDA driver (libcuda.so.1 not found)"),
            new DeviceStatus("opencl", false, "no OpenCL loader (libOpenCL.so.1 not found)"),
            new DeviceStatus("ilgpu-cpu", true, IlgpuCpu.Details),
        ], DeviceProbe.Ilgpu(discovery));
    }

    [Fact]
    public void Devices_describes_each_opencl_device_and_says_why_one_is_unusable()
    {
        const string pocl = "OpenCL without generic address space, which ILGPU's OpenCL backend requires";
        var discovery = new IlgpuDiscovery(
        [
            new IlgpuDeviceInfo(DeviceRequest.Parse("opencl:0:0"), DeviceKind.OpenCl, "cpu-device", false, "Portable Computing Language / cpu-device: CPU, OpenCL C 1.2", pocl),
            new IlgpuDeviceInfo(DeviceRequest.Parse("opencl:1:0"), DeviceKind.OpenCl, "gpu", true, "Vendor / gpu: GPU, OpenCL C 3.0", null),
            IlgpuCpu,
        ], "no CUDA driver (libcuda.so.1 not found)", null);

        IReadOnlyList<DeviceStatus> lines = DeviceProbe.Ilgpu(discovery);

        Assert.Equal(new DeviceStatus("opencl:0:0", false, $"Portable Computing Language / cpu-device: CPU, OpenCL C 1.2; {pocl}"), lines[1]);
        Assert.Equal(new DeviceStatus("opencl:1:0", true, "Vendor / gpu: GPU, OpenCL C 3.0"), lines[2]);
        var error = Assert.Throws<DeviceUnavailableException>(() => IlgpuDevices.Select(DeviceRequest.Parse("opencl:0:0"), discovery));
        Assert.Equal($"Device = 'opencl:0:0' (cpu-device): {pocl}", error.Message);
        Assert.Equal("opencl:1:0", IlgpuDevices.Select(DeviceRequest.Parse("opencl"), discovery).Request.ToString());
        Assert.Throws<DeviceUnavailableException>(() => IlgpuDevices.Select(DeviceRequest.Parse("cuda"), discovery));
    }

    [Fact]
    public void A_bare_opencl_takes_a_usable_cpu_device_when_there_is_no_gpu_but_auto_does_not()
    {
        var pocl6 = new IlgpuDeviceInfo(DeviceRequest.Parse("opencl:0:0"), DeviceKind.OpenCl, "cpu-device", false, "Portable Computing Language / cpu-device: CPU, OpenCL 3.0, OpenCL C 3.0", null);
        var discovery = new IlgpuDiscovery([pocl6, IlgpuCpu], "no CUDA driver (libcuda.so.1 not found)", null);

        Assert.Equal("opencl:0:0", IlgpuDevices.Select(DeviceRequest.Parse("opencl"), discovery).Request.ToString());
        var error = Assert.Throws<DeviceUnavailableException>(() => IlgpuDevices.Select(DeviceRequest.Parse("opencl"), discovery, openClGpusOnly: true));
        Assert.Equal("Device = 'opencl': no usable OpenCL GPU (opencl:0:0 cpu-device: not a GPU)", error.Message);
    }

    private static readonly IlgpuDeviceInfo IlgpuCpu = new(DeviceRequest.Parse("ilgpu-cpu"), DeviceKind.IlgpuCpu, "ILGPU CPU accelerator", false, "ILGPU's CPU accelerator", null);

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
    [InlineData("--fast", null, "error: bench: unknown argument '--fast' (bench [--device auto|cpu|cuda|opencl|ilgpu-cpu] [--kernels | --profile] [--seconds N] [--json [FILE]])")]
    [InlineData("--kernels", "--profile", "error: bench: --kernels and --profile do not go together (bench [--device auto|cpu|cuda|opencl|ilgpu-cpu] [--kernels | --profile] [--seconds N] [--json [FILE]])")]
    [InlineData("--profile", "--json", "error: bench: --profile prints a table, not JSON (bench [--device auto|cpu|cuda|opencl|ilgpu-cpu] [--kernels | --profile] [--seconds N] [--json [FILE]])")]
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
    public void Bench_kernels_times_every_gemm_version_side_by_side_and_no_training()
    {
        Assert.Equal(0, Run(terminal: false, "bench", "--device", "cpu", "--kernels", "--seconds", "0.5", "--json"));
        using var json = System.Text.Json.JsonDocument.Parse(_out.ToString());
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        foreach (string version in new[] { "cpu gemm v1", "cpu gemm v2" })
            foreach (string kind in new[] { "LinearForward", "ElboOutput" })
                Assert.Contains(results, r => r.GetProperty("accelerator").GetString() == version &&
                    r.GetProperty("kind").GetString() == kind && r.GetProperty("gflops").GetDouble() > 0);
        Assert.DoesNotContain(results, r => r.GetProperty("kind").GetString() == "train");
    }

    [Fact]
    public void Bench_profile_says_where_a_steps_time_goes_op_by_op()
    {
        Assert.Equal(0, Run(terminal: false, "bench", "--device", "cpu", "--profile", "--seconds", "0.2"));
        string output = _out.ToString();
        foreach (string op in new[] { "ElboOutput 128×400→784", "LinearForward 128×784→400", "LinearBackward 128×784←400 (no dx)",
                     "AdamStep", "GatherBatch", "Reparameterize", "FinishStep" })
            Assert.Contains(op, output, StringComparison.Ordinal);
        foreach (string model in new[] { "default model 784-400-20-400-784", "conv model 28×28×1, channels 32,64" })
            Assert.Contains($"cpu gemm v2, {model}", output, StringComparison.Ordinal);
        foreach (string op in new[] { "Conv2dForward 128×28×28×1 → 14×14×32", "Conv2dBackward 128×14×14×32 → 7×7×64",
                     "ConvTranspose2dForward 128×14×14×32 → 7×7×64", "ConvTranspose2dElboOutput 128×28×28×1 → 14×14×32" })
            Assert.Contains(op, output, StringComparison.Ordinal);
        Assert.DoesNotContain("error", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_verb_is_one_line_with_exit_code_2()
    {
        Assert.Equal(2, Run(terminal: false, "trian"));

        Assert.Equal("error: unknown command 'trian'; did you mean train? (commands: train, eval, sample, reconstruct, interpolate, latents, score, devices, bench, help)" + Environment.NewLine, _error.ToString());
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

    [Fact]
    public void An_io_failure_no_verb_caught_is_one_line_with_the_path_the_reason_and_exit_code_2()
    {
        const int ENOSPC = 28;
        Assert.Equal(2, Run(new ThrowingCommand(new IOException("cannot write '/data/runs/x/scores.csv'", ENOSPC)), "throw"));

        Assert.Equal("error: cannot write '/data/runs/x/scores.csv' (no space left on device)" + Environment.NewLine, _error.ToString());
    }

    private sealed class ThrowingCommand(Exception exception) : ICommand
    {
        public string Name => "throw";

        public string Summary => "Throws.";

        public VaeGpu.Cli.Configuration.CommandSwitches Switches { get; } = new("throw", "throw");

        public int Run(string[] args) => throw exception;
    }
}
