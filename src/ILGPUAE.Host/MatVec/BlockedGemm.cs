namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using ILGPUAE.Host.Threading;
using ILGPUAE.MatVec;

/// <summary>
/// c = alpha·op(a)·op(b) + beta·c, cache-blocked as BLIS does it: a KC × NC block of op(b) is packed into
/// column panels B̃ (it stays in L2), an MC × KC block of op(a) into row panels Ã, and
/// <typeparamref name="TKernel"/> sweeps Ã's panels past one B̃ panel (KC × NR, in L1) at a time.
/// Each part owns a rectangle of c and its own packing buffers, so parts never wait for each other.
/// </summary>
internal sealed unsafe class BlockedGemm<TKernel> : IParallelJob where TKernel : struct, IMicroKernel
{
    /// <summary>Depth of a packed block: a KC × NR panel of B̃ is 32 KiB of the 48 KiB L1 for the 10 × 32 tile.</summary>
    private const int KC = 256;

    /// <summary>Rows of Ã per block (120 KiB at KC = 256, streamed from L2).</summary>
    private static readonly int MC = RoundUp(120, TKernel.Rows);

    /// <summary>Columns of B̃ per block (512 KiB at KC = 256: half of a 1 MiB L2).</summary>
    private static readonly int NC = RoundUp(512, TKernel.Columns);

    /// <summary>Below this many multiply-adds per part, waking another thread costs more than it saves.</summary>
    private const long MinimumMacsPerPart = 1 << 16;

    private readonly WorkerPool pool;
    private readonly Buffers[] buffers;
    private GemmLayout layout;
    private float* a, b, c;
    private IBlockEpilogue? epilogue;
    private bool splitColumns;

    public BlockedGemm(WorkerPool pool)
    {
        this.pool = pool;
        buffers = new Buffers[pool.Workers];
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = new Buffers();
    }

    /// <summary>
    /// Runs the product on the pool; a, b and c point at the first element of each operand. <paramref name="epilogue"/>, when given,
    /// is applied to each block of c as soon as it is complete (<see cref="IBlockEpilogue"/>).
    /// </summary>
    public void Multiply(in GemmLayout l, float* a, float* b, float* c, IBlockEpilogue? epilogue = null)
    {
        layout = l;
        this.a = a;
        this.b = b;
        this.c = c;
        this.epilogue = epilogue;
        var columnPanels = (l.N + TKernel.Columns - 1) / TKernel.Columns;
        var rowPanels = (l.M + TKernel.Rows - 1) / TKernel.Rows;
        // Split the columns when there are enough panels: each part then packs only its share of op(b).
        splitColumns = columnPanels >= pool.Workers || columnPanels >= rowPanels;
        var parts = Math.Min(pool.PartsFor((long)l.M * l.N * l.K, MinimumMacsPerPart), splitColumns ? columnPanels : rowPanels);
        pool.Run(this, parts);
    }

    public void Execute(int part, int parts)
    {
        var (m0, m1) = splitColumns ? (0, layout.M) : Partition.Range(layout.M, TKernel.Rows, part, parts);
        var (n0, n1) = splitColumns ? Partition.Range(layout.N, TKernel.Columns, part, parts) : (0, layout.N);
        if (m0 < m1 && n0 < n1)
            MultiplyRectangle(m0, m1, n0, n1, buffers[part]);
    }

    /// <summary>c[m0..m1, n0..n1) of the product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MultiplyRectangle(int m0, int m1, int n0, int n1, Buffers buffer)
    {
        var l = layout;
        var mr = TKernel.Rows;
        var nr = TKernel.Columns;
        // Even K blocks (784 as 200 + 200 + 200 + 184, not 3 × 256 + 16: a thin last block would pay a full pass over c).
        // A multiple of 8 keeps the transposing pack in 8 × 8 blocks.
        var kBlocks = (l.K + KC - 1) / KC;
        var kcMax = Math.Min(KC, RoundUp((l.K + kBlocks - 1) / kBlocks, 8));
        for (var jc = n0; jc < n1; jc += NC)
        {
            var nc = Math.Min(NC, n1 - jc);
            for (var pc = 0; pc < l.K; pc += kcMax)
            {
                var kc = Math.Min(kcMax, l.K - pc);
                // Later K blocks add onto what the first wrote.
                var beta = pc == 0 ? l.Beta : 1f;
                for (var jr = 0; jr < nc; jr += nr)
                    Packing.Panel(b + (long)pc * l.BRow + (long)(jc + jr) * l.BCol, l.BRow, l.BCol, kc,
                        Math.Min(nr, nc - jr), nr, buffer.B + (long)jr * kc);
                for (var ic = m0; ic < m1; ic += MC)
                {
                    var mc = Math.Min(MC, m1 - ic);
                    for (var ir = 0; ir < mc; ir += mr)
                        Packing.Panel(a + (long)(ic + ir) * l.ARow + (long)pc * l.ACol, l.ACol, l.ARow, kc,
                            Math.Min(mr, mc - ir), mr, buffer.A + (long)ir * kc);
                    for (var jr = 0; jr < nc; jr += nr)
                        for (var ir = 0; ir < mc; ir += mr)
                            TKernel.Run(kc, buffer.A + (long)ir * kc, buffer.B + (long)jr * kc,
                                c + (long)(ic + ir) * l.N + jc + jr, l.N,
                                Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), l.Alpha, beta, buffer.Spill);
                    // The block's last K block is in: its epilogue runs while the block is still in cache.
                    if (pc + kc >= l.K)
                        epilogue?.Apply(ic, mc, jc, nc);
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>One part's packed panels and spill tile, allocated once with the backend.</summary>
    private sealed class Buffers
    {
        private readonly AlignedBuffer a = new(MC * KC);
        private readonly AlignedBuffer b = new(KC * NC);
        private readonly AlignedBuffer spill = new(TKernel.Rows * TKernel.Columns);

        public float* A => a.Pointer;
        public float* B => b.Pointer;
        public float* Spill => spill.Pointer;
    }
}
