namespace ILGPUAE.Training;

using ILGPUAE.IO;

/// <summary>The train_limit, valid_limit and test_limit settings of the training runs, checked alike.</summary>
public static class DataLimits
{
    /// <summary>
    /// Throws <see cref="InputException"/> naming the first of train_limit, valid_limit, test_limit (in that order) that is set and
    /// below 1; a run without a validation limit passes null for it.
    /// </summary>
    public static void Validate(int? trainLimit, int? validLimit, int? testLimit)
    {
        Require(trainLimit, "train_limit");
        Require(validLimit, "valid_limit");
        Require(testLimit, "test_limit");
    }

    private static void Require(int? limit, string setting)
    {
        if (limit is < 1)
            throw InputException.ForSetting(setting, limit, "an integer ≥ 1");
    }
}
