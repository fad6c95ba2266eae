using VaeGpu.Configuration;

namespace VaeGpu.Tests;

/// <summary>Checks the promise made to users: a mistake is one line that names the file and the problem.</summary>
public static class UserErrors
{
    public static UserInputException AssertOneLine(Action action, string mustName, string mustSay)
    {
        var error = Assert.Throws<UserInputException>(action);
        Assert.Contains(mustName, error.Message);
        Assert.Contains(mustSay, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        return error;
    }
}
