using System.Reflection;
using System.Reflection.Emit;

namespace VaeGpu.Tests;

/// <summary>
/// The members a method's IL names (calls, ldftn, fields, types), resolved. Reflection has no IL reader and
/// System.Reflection.Metadata would mean reading the files again by handle, so this walks the opcodes itself:
/// opcode sizes come from <see cref="OpCodes"/>, operand sizes from <see cref="OperandType"/>.
/// </summary>
public static class IlTokens
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Each token operand of <paramref name="method"/>'s body with its opcode; none for a method without a body.</summary>
    public static IEnumerable<(OpCode Op, MemberInfo? Member)> Of(MethodBase method)
    {
        byte[] il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var tokens = new List<(OpCode, MemberInfo?)>();
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            OpCode op = OpCodesByValue[value];
            at += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
                tokens.Add((op, method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments)));
            at += operand;
        }
        return tokens;
    }
}
