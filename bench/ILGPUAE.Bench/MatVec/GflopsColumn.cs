namespace ILGPUAE.Bench.MatVec;

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

/// <summary>2·B·V·H flops over the mean time of a <see cref="GemmBench"/> case.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·batch·visible·hidden flops per second, in billions";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var shape = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<TiedShape>().SingleOrDefault();
        var nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return shape is null || nanoseconds is null ? "-" : (shape.Flops / nanoseconds.Value).ToString("F1");
    }

    public override string ToString() => ColumnName;
}
