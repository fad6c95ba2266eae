using VaeGpu.Accelerators;
using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.OpenCl;

public sealed class OpenClKernelTests
{
    private const string AddOne = """
        __kernel void add_one(__global float* x, int x_offset, int n)
        {
            int i = (int)get_global_id(0);
            if (i >= n) return;
            x[x_offset + i] += 1.0f;
        }

        __kernel void scale_rows(__global float* y, int y_offset, int rows, int cols, float factor)
        {
            int c = (int)get_global_id(0);
            int r = (int)get_global_id(1);
            if (r >= rows || c >= cols) return;
            y[y_offset + r * cols + c] *= factor * (float)(r + 1);
        }

        __kernel void block_sums(__global const float* x, int n, __global float* sums, __local float* scratch)
        {
            int local_id = (int)get_local_id(0);
            int i = (int)get_global_id(0);
            scratch[local_id] = i < n ? x[i] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            if (local_id == 0)
            {
                float sum = 0.0f;
                for (int k = 0; k < (int)get_local_size(0); k++) sum += scratch[k];
                sums[get_group_id(0)] = sum;
            }
        }
        """;

    [Fact]
    public void A_kernel_runs_over_a_global_size_that_is_not_a_multiple_of_the_local_size()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "-cl-std=CL1.2");
        const int length = 1000, offset = 3, n = 990; // 990 = 15 groups of 64 + 30
        using DeviceBuffer<float> buffer = accelerator.Allocate<float>(length);
        float[] values = Enumerable.Range(0, length).Select(i => (float)i).ToArray();
        accelerator.Upload(buffer, values);

        DeviceSpan<float> window = buffer.Slice(offset, n);
        OpenClKernel kernel = program.Kernel("add_one");
        kernel.Arg(0, window).Arg(1, window.Offset).Arg(2, n).Launch([n], [64]);
        kernel.Launch(n, 64); // arguments stick: a second pass
        var result = new float[length];
        accelerator.Download(buffer, result);

        for (int i = 0; i < length; i++)
            Assert.Equal(i >= offset && i < offset + n ? i + 2f : i, result[i]);
        Assert.Same(kernel, program.Kernel("add_one"));
    }

    [Fact]
    public void A_two_dimensional_launch_rounds_each_dimension()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "-cl-std=CL1.2");
        const int rows = 5, cols = 19;
        using DeviceBuffer<float> buffer = accelerator.Allocate<float>(rows * cols);
        accelerator.Upload(buffer, Enumerable.Repeat(1f, rows * cols).ToArray());

        program.Kernel("scale_rows").Arg(0, buffer.All).Arg(1, 0).Arg(2, rows).Arg(3, cols).Arg(4, 0.5f).Launch([cols, rows], [8, 4]);
        var result = new float[rows * cols];
        accelerator.Download(buffer, result);

        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                Assert.Equal(0.5f * (r + 1), result[r * cols + c]);
    }

    [Fact]
    public void Local_memory_arguments_are_sized_at_launch()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "-cl-std=CL1.2");
        const int n = 300, local = 128, groups = 3;
        using DeviceBuffer<float> x = accelerator.Allocate<float>(n), sums = accelerator.Allocate<float>(groups);
        accelerator.Upload(x, Enumerable.Range(0, n).Select(i => (float)i).ToArray());

        program.Kernel("block_sums").Arg(0, x.All).Arg(1, n).Arg(2, sums.All).LocalArg<float>(3, local).Launch(n, local);
        var result = new float[groups];
        accelerator.Download(sums, result);

        Assert.Equal([Sum(0, 128), Sum(128, 256), Sum(256, 300)], result);
        static float Sum(int from, int to) => Enumerable.Range(from, to - from).Sum(i => (float)i);
    }

    [Fact]
    public void A_global_size_of_zero_launches_nothing()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");
        using DeviceBuffer<float> buffer = accelerator.Allocate<float>(4);
        accelerator.Upload(buffer, new float[4]);

        program.Kernel("add_one").Arg(0, buffer.All).Arg(1, 0).Arg(2, 4).Launch([0], [64]);
        program.Kernel("scale_rows").Arg(0, buffer.All).Arg(1, 0).Arg(2, 0).Arg(3, 4).Arg(4, 2f).Launch([4, 0], [4, 1]);
        accelerator.Synchronize();
        var result = new float[4];
        accelerator.Download(buffer, result);

        Assert.Equal(new float[4], result);
    }

    [Fact]
    public void Bad_launch_shapes_throw_before_anything_is_queued()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");
        OpenClKernel kernel = program.Kernel("add_one");

        Assert.Throws<ArgumentException>(() => kernel.Launch([4, 4], [4]));
        Assert.Throws<ArgumentException>(() => kernel.Launch([], []));
        Assert.Throws<ArgumentException>(() => kernel.Launch([1, 1, 1, 1], [1, 1, 1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Launch(-1, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Launch(64, 0));
    }

    [Fact]
    public void A_missing_argument_names_the_launch_and_the_status()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");

        var error = Assert.Throws<OpenClException>(() => program.Kernel("add_one").Launch(64, 64));

        Assert.Equal("clEnqueueNDRangeKernel", error.Call);
        Assert.Equal("CL_INVALID_KERNEL_ARGS", error.StatusName);
        Assert.Equal("clEnqueueNDRangeKernel failed: CL_INVALID_KERNEL_ARGS (-52): kernel add_one", error.Message);
    }

    [Fact]
    public void A_bad_argument_index_names_clSetKernelArg()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");

        var error = Assert.Throws<OpenClException>(() => program.Kernel("add_one").Arg(7, 1));

        Assert.Equal("clSetKernelArg failed: CL_INVALID_ARG_INDEX (-49): add_one argument 7", error.Message);
    }

    [Fact]
    public void A_buffer_of_another_accelerator_is_refused()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using var other = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");
        using DeviceBuffer<float> foreign = other.Allocate<float>(4);

        Assert.Throws<ArgumentException>(() => program.Kernel("add_one").Arg(0, foreign.All));
    }

    [Fact]
    public void A_wrong_kernel_name_names_clCreateKernel_and_the_status()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using OpenClProgram program = accelerator.Context.Build(AddOne, "");

        var error = Assert.Throws<OpenClException>(() => program.Kernel("add_two"));

        Assert.Equal("clCreateKernel", error.Call);
        Assert.Equal(OpenClStatus.InvalidKernelName, error.Status);
        Assert.Equal("clCreateKernel failed: CL_INVALID_KERNEL_NAME (-46): kernel 'add_two'", error.Message);
    }

    [Fact]
    public void A_build_failure_is_one_line_and_keeps_the_log()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        string source = KernelSources.Resolve([("good.cl", "__kernel void fine(__global int* x) { x[0] = 1; }\n"),
            ("bad.cl", "// line 1\n__kernel void broken(__global int* x)\n{\n    x[0] = 1 +;\n}\n")], _ => "");

        var error = Assert.IsType<OpenClBuildException>(OpenClTestDevice.AssertOneLine(
            () => accelerator.Context.Build(source, "-cl-std=CL1.2"),
            $"OpenCL kernel build failed on {accelerator.Device.DeviceName} ({accelerator.Device.PlatformName}): ", "error"));

        Assert.Contains("bad.cl:4:", error.Message, StringComparison.Ordinal); // #line points at the right file and line
        Assert.Contains("bad.cl:4:", error.Log, StringComparison.Ordinal);
        Assert.Equal(OpenClStatus.BuildProgramFailure, error.Status);
        Assert.Equal("-cl-std=CL1.2", error.Options);
        Assert.Equal("clBuildProgram", error.Cause.Call);
        Assert.Equal(error.Log, error.Cause.Detail);
        Assert.StartsWith("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11): ", error.Cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defines_reach_the_compiler()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require(), new KernelTuning(TileK: 42));
        using OpenClProgram program = accelerator.Context.Build(
            "__kernel void put(__global int* x) { x[get_global_id(0)] = TILE_K; }", accelerator.BuildOptions);
        using DeviceBuffer<int> buffer = accelerator.Allocate<int>(3);

        program.Kernel("put").Arg(0, buffer.All).Launch(3, 1);
        var result = new int[3];
        accelerator.Download(buffer, result);

        Assert.Equal([42, 42, 42], result);
    }

    [Fact]
    public void The_accelerator_program_builds_from_the_embedded_kernels()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        string[] missing = OpenClAccelerator.ProgramFiles.Except(KernelSources.Names).ToArray();
        Assert.SkipWhen(missing.Length > 0, $"kernels not in this build yet: {string.Join(", ", missing)}");

        Assert.Same(accelerator.Program, accelerator.Program);
    }
}
