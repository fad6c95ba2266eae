using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Accelerators.OpenCl;

public sealed class OpenClStatusTests
{
    [Theory]
    [InlineData(0, "CL_SUCCESS")]
    [InlineData(-1, "CL_DEVICE_NOT_FOUND")]
    [InlineData(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE")]
    [InlineData(-5, "CL_OUT_OF_RESOURCES")]
    [InlineData(-6, "CL_OUT_OF_HOST_MEMORY")]
    [InlineData(-11, "CL_BUILD_PROGRAM_FAILURE")]
    [InlineData(-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE")]
    [InlineData(-30, "CL_INVALID_VALUE")]
    [InlineData(-46, "CL_INVALID_KERNEL_NAME")]
    [InlineData(-52, "CL_INVALID_KERNEL_ARGS")]
    [InlineData(-54, "CL_INVALID_WORK_GROUP_SIZE")]
    [InlineData(-63, "CL_INVALID_GLOBAL_WORK_SIZE")]
    [InlineData(-68, "CL_INVALID_DEVICE_PARTITION_COUNT")]
    [InlineData(-1001, "CL_PLATFORM_NOT_FOUND_KHR")]
    [InlineData(-20, "CL_UNKNOWN_ERROR")]
    [InlineData(-9999, "CL_UNKNOWN_ERROR")]
    public void Every_status_has_its_name(int status, string name) => Assert.Equal(name, OpenClStatus.Name(status));

    [Fact]
    public void Every_OpenCl_1_2_code_from_0_to_minus_68_is_named_except_the_gap()
    {
        for (int status = 0; status >= -68; status--)
        {
            bool gap = status is <= -20 and >= -29;
            Assert.Equal(gap, OpenClStatus.Name(status) == "CL_UNKNOWN_ERROR");
        }
    }

    [Fact]
    public void The_exception_names_the_call_the_status_and_the_detail()
    {
        Assert.Equal("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)", new OpenClException("clBuildProgram", -11).Message);
        var error = new OpenClException("clCreateKernel", -46, "kernel 'nope'");
        Assert.Equal("clCreateKernel failed: CL_INVALID_KERNEL_NAME (-46): kernel 'nope'", error.Message);
        Assert.Equal("CL_INVALID_KERNEL_NAME", error.StatusName);
        Assert.Equal(-46, error.Status);
        Assert.Equal("clCreateKernel", error.Call);
    }

    [Fact]
    public void Check_throws_for_any_status_but_success()
    {
        OpenClStatus.Check(0, "clFinish");
        var error = Assert.Throws<OpenClException>(() => OpenClStatus.Check(-36, "clFinish"));
        Assert.Equal("clFinish failed: CL_INVALID_COMMAND_QUEUE (-36)", error.Message);
    }

    [Theory]
    [InlineData(-4, true)]
    [InlineData(-5, true)]
    [InlineData(-6, true)]
    [InlineData(-38, false)]
    public void Out_of_memory_statuses(int status, bool outOfMemory) => Assert.Equal(outOfMemory, OpenClStatus.IsOutOfMemory(status));

    [Fact]
    public void Out_of_memory_is_a_one_line_user_error()
    {
        UserInputException error = OpenClOutOfMemoryException.Allocating(3L << 30, "gpu0 (NVIDIA CUDA)", "clCreateBuffer", -4);

        Assert.Equal("OpenCL device out of memory allocating 3072 MiB on gpu0 (NVIDIA CUDA) (clCreateBuffer: CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)): " +
            "use a smaller --batch-size or model", error.Message);
        Assert.StartsWith("OpenCL device out of memory on gpu0 (NVIDIA CUDA) (clEnqueueNDRangeKernel kernel k: CL_OUT_OF_RESOURCES (-5))",
            OpenClOutOfMemoryException.InUse("gpu0 (NVIDIA CUDA)", "clEnqueueNDRangeKernel kernel k", -5).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("linear.cl:3:1: warning: unused\nlinear.cl:7:5: error: expected ';'\nmore", "linear.cl:7:5: error: expected ';'")]
    [InlineData("\n  something odd  \nsecond", "something odd")]
    [InlineData("", "CL_BUILD_PROGRAM_FAILURE (-11) with an empty build log (options '-cl-std=CL1.2')")]
    public void The_build_failure_line_is_the_first_error(string log, string expected) =>
        Assert.Equal(expected, OpenClBuildException.FirstError(log, -11, "-cl-std=CL1.2"));
}
