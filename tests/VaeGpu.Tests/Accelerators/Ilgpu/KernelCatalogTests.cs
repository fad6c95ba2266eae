using System.Reflection;
using System.Reflection.Emit;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// <see cref="KernelCatalog"/> is what the offline PTX/SASS/OpenCL C checks compile, so a kernel missing
/// from it would reach a GPU unchecked. The kernels are found where they are loaded: every method a
/// launcher of the kernels assembly hands to ILGPU as a delegate (an ldftn in its IL) that lives on a
/// <c>…Kernels</c> class.
/// </summary>
public sealed class KernelCatalogTests
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    [Fact]
    public void KernelCatalog_lists_every_kernel_the_launchers_load_and_nothing_else()
    {
        HashSet<string> loaded = LoadedKernels().Select(Describe).ToHashSet();
        HashSet<string> listed = KernelCatalog.All.Select(entry => Describe(Definition(entry.Method))).ToHashSet();

        Assert.True(loaded.Count >= 20, $"only {loaded.Count} loaded kernels found: the IL scan misses the launchers");
        Assert.True(loaded.SetEquals(listed),
            $"loaded but not in KernelCatalog: [{string.Join(", ", loaded.Except(listed).Order())}]; " +
            $"in KernelCatalog but loaded by no launcher: [{string.Join(", ", listed.Except(loaded).Order())}]");
    }

    [Fact]
    public void KernelCatalog_has_each_gemm_at_every_version_and_each_name_once()
    {
        Assert.Equal(KernelCatalog.All.Count, KernelCatalog.All.Select(entry => entry.Name).Distinct().Count());
        foreach (KernelEntry gemm in KernelCatalog.All.Where(entry => entry.RegisterBlocked))
        {
            Type kernels = gemm.Method.DeclaringType!;
            int latest = kernels == typeof(ElboKernels) ? KernelVersions.LatestElbo
                : kernels == typeof(ConvKernels) ? KernelVersions.LatestConv
                : KernelVersions.LatestLinear;
            string family = gemm.Name[..gemm.Name.LastIndexOf(" v", StringComparison.Ordinal)];
            for (int version = 1; version <= latest; version++)
                Assert.Contains($"{family} v{version}", KernelCatalog.All.Select(entry => entry.Name));
        }
    }

    private static IEnumerable<MethodInfo> LoadedKernels()
    {
        foreach (Type type in typeof(KernelLaunchers).Assembly.GetTypes())
        {
            foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
            {
                foreach ((OpCode op, MemberInfo? member) in IlTokens.Of(method))
                {
                    if (op == OpCodes.Ldftn && member is MethodInfo { IsStatic: true } target
                        && target.DeclaringType?.Name.EndsWith("Kernels", StringComparison.Ordinal) == true)
                        yield return Definition(target);
                }
            }
        }
    }

    private static MethodInfo Definition(MethodInfo method) => method.IsGenericMethod ? method.GetGenericMethodDefinition() : method;

    private static string Describe(MethodInfo method) => $"{method.DeclaringType!.Name}.{method.Name}";
}
