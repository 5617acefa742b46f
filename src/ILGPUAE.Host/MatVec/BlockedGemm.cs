namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;
using ILGPUAE.MatVec;

/// <summary>
/// c = alpha·op(a)·op(b) + beta·c, cache-blocked as BLIS does it: a KC × NC block of op(b) is packed into
/// column panels B̃ (it stays in L2), an MC × KC block of op(a) into row panels Ã, and
/// <typeparamref name="TKernel"/> sweeps Ã's panels past one B̃ panel (KC × NR, in L1) at a time.
/// Each part owns a rectangle of c and its own packing buffers, so parts never wait for each other.
/// A product whose c is too narrow for the tile's columns (N = 100 pads to 128 columns of 32) is computed as its transpose,
/// cᵀ = op(b)ᵀ·op(a)ᵀ, whose N rows fill the tile's row panels (<see cref="TransposesProduct"/>).
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
    private readonly BatchJob batch;
    private Product product;
    private bool splitColumns;

    public BlockedGemm(WorkerPool pool)
    {
        this.pool = pool;
        buffers = new Buffers[pool.Workers];
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = new Buffers();
        batch = new BatchJob(this);
    }

    /// <summary>
    /// Runs the product on the pool; a, b and c point at the first element of each operand. <paramref name="epilogue"/>, when given,
    /// is applied to each block of c as soon as it is complete (<see cref="IBlockEpilogue"/>).
    /// </summary>
    public void Multiply(in GemmLayout product, float* a, float* b, float* c, IBlockEpilogue? epilogue = null) =>
        Multiply(new Product(product, a, b, c, epilogue, 0, 0));

    private void Multiply(in Product p)
    {
        product = p;
        var l = p.Layout;
        var columnPanels = (l.N + TKernel.Columns - 1) / TKernel.Columns;
        var rowPanels = (l.M + TKernel.Rows - 1) / TKernel.Rows;
        var parts = pool.PartsFor((long)l.M * l.N * l.K, MinimumMacsPerPart);
        splitColumns = SplitsColumns(l.M, l.N, l.K, parts);
        pool.Run(this, Math.Min(parts, splitColumns ? columnPanels : rowPanels));
    }

    /// <summary>
    /// <paramref name="items"/>.Count products of one layout, item i's operands i·stride elements after a, b and c, its epilogue's
    /// c and operand shifted by i·StrideC and i·StrideOperand (<see cref="IBlockEpilogue.Apply"/>). With enough items that whole
    /// items balance the parts (or products too small to split), each part computes whole items on its own buffers, one after
    /// another, as <see cref="Multiply(in GemmLayout, float*, float*, float*, IBlockEpilogue?)"/> computes one on a single part;
    /// else the items run one by one, each split across the pool.
    /// </summary>
    public void MultiplyBatched(in GemmLayout layout, float* a, float* b, float* c, IBlockEpilogue? epilogue, in GemmBatch items)
    {
        var macs = (long)layout.M * layout.N * layout.K;
        if (items.Count >= ItemsPerWorker * pool.Workers || pool.PartsFor(macs, MinimumMacsPerPart) == 1)
        {
            batch.Set(layout, a, b, c, epilogue, items);
            pool.Run(batch, Math.Min(items.Count, pool.PartsFor(macs * items.Count, MinimumMacsPerPart)));
            return;
        }
        for (var i = 0; i < items.Count; i++)
            Multiply(Item(layout, a, b, c, epilogue, items, i));
    }

    /// <summary>At least this many items a worker before items run whole on parts: 7 items on 2 parts idle one part an eighth of the time.</summary>
    private const int ItemsPerWorker = 4;

    private static Product Item(in GemmLayout layout, float* a, float* b, float* c, IBlockEpilogue? epilogue, in GemmBatch items, int i) =>
        new(layout, a + i * items.StrideA, b + i * items.StrideB, c + i * items.StrideC, epilogue, i * items.StrideC, i * items.StrideOperand);

    /// <summary>
    /// Whether an M × N product is computed as its transpose: when N fits one row block (cᵀ's rows are then accumulated over every K
    /// block in a part's scratch block, and copied into c once) and the transpose pads at least 5 % less work into the tile
    /// (10000 × 100 pads to 10000 × 128 with 32 columns a tile, its transpose 100 × 10016). Each element of c sums the same products
    /// in the same order either way.
    /// </summary>
    internal static bool TransposesProduct(int m, int n) =>
        n <= MC && Padded(n, m) * 20 < Padded(m, n) * 19;

    private static long Padded(int m, int n) => (long)RoundUp(m, TKernel.Rows) * RoundUp(n, TKernel.Columns);

    /// <summary>
    /// Whether <paramref name="parts"/> parts share an M × N × K product by columns (each packs all of op(a) and its share of op(b))
    /// rather than by rows (its share of op(a), all of op(b)): the split that keeps every part busy, and of those the one that packs
    /// fewer elements per part. A part packs its op(a) rows once per NC-column block it covers, its op(b) columns once. A tall product
    /// with a few column panels (10000 × 128 × 900) so packs its 10000 × 900 operand once in all instead of once per part.
    /// </summary>
    internal static bool SplitsColumns(int m, int n, int k, int parts)
    {
        var columnPanels = (n + TKernel.Columns - 1) / TKernel.Columns;
        var rowPanels = (m + TKernel.Rows - 1) / TKernel.Rows;
        if ((columnPanels >= parts) != (rowPanels >= parts))
            return columnPanels >= parts;
        if (columnPanels < parts)
            return columnPanels >= rowPanels;
        var columnsPerPart = (long)(n + parts - 1) / parts;
        var rowsPerPart = (long)(m + parts - 1) / parts;
        var byColumns = (columnsPerPart + NC - 1) / NC * m * k + columnsPerPart * k;
        var byRows = ((long)n + NC - 1) / NC * rowsPerPart * k + (long)n * k;
        return byColumns <= byRows;
    }

    public void Execute(int part, int parts)
    {
        var l = product.Layout;
        var (m0, m1) = splitColumns ? (0, l.M) : Partition.Range(l.M, TKernel.Rows, part, parts);
        var (n0, n1) = splitColumns ? Partition.Range(l.N, TKernel.Columns, part, parts) : (0, l.N);
        if (m0 < m1 && n0 < n1)
            MultiplyRectangle(product, m0, m1, n0, n1, buffers[part]);
    }

    /// <summary>c[m0..m1, n0..n1) of the product <paramref name="p"/>, in the rows and columns of its (maybe transposed) layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyRectangle(in Product p, int m0, int m1, int n0, int n1, Buffers buffer)
    {
        var l = p.Layout;
        float* a = p.A, b = p.B, c = p.C;
        var transposed = p.Transposed;
        var epilogue = p.Epilogue;
        var mr = TKernel.Rows;
        var nr = TKernel.Columns;
        // Even K blocks (784 as 200 + 200 + 200 + 184, not 3 × 256 + 16: a thin last block would pay a full pass over c).
        // A multiple of 8 keeps the transposing pack in 8 × 8 blocks.
        var kBlocks = (l.K + KC - 1) / KC;
        var kcMax = Math.Min(KC, RoundUp((l.K + kBlocks - 1) / kBlocks, 8));
        // Transposed, the tiles land in the part's scratch block (rows m0 … m1 of cᵀ, at most MC, by NC columns) and c is written
        // once, after the last K block; with beta ≠ 0 the block starts as cᵀ so that it accumulates exactly as c would.
        var target = transposed ? buffer.Block - (long)m0 * NC : c;
        var ldc = transposed ? NC : l.N;
        var cStride = l.M;
        for (var jc = n0; jc < n1; jc += NC)
        {
            var nc = Math.Min(NC, n1 - jc);
            var blockColumn = transposed ? 0 : jc;
            if (transposed && l.Beta != 0f)
                Packing.TransposeInto(c + (long)jc * cStride + m0, cStride, nc, m1 - m0, buffer.Block, NC);
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
                                target + (long)(ic + ir) * ldc + blockColumn + jr, ldc,
                                Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), l.Alpha, beta, buffer.Spill);
                    // The block's last K block is in: its epilogue runs while the block is still in cache.
                    if (pc + kc >= l.K && !transposed)
                        epilogue?.Apply(p.CShift, p.OperandShift, ic, mc, jc, nc);
                }
            }
            if (transposed)
            {
                // c[jc + j, m0 + i] = cᵀ[m0 + i, jc + j]: c's rows jc … jc + nc, columns m0 … m1.
                Packing.TransposeInto(buffer.Block, NC, m1 - m0, nc, c + (long)jc * cStride + m0, cStride);
                epilogue?.Apply(p.CShift, p.OperandShift, jc, nc, m0, m1 - m0);
            }
        }
    }

    /// <summary>
    /// One product as the parts compute it: the layout and operands after <see cref="TransposesProduct"/> (c stays c), and the
    /// epilogue with the shifts of its item (0 and 0 for a single product).
    /// </summary>
    private readonly struct Product
    {
        public Product(in GemmLayout product, float* a, float* b, float* c, IBlockEpilogue? epilogue, long cShift, long operandShift)
        {
            Transposed = TransposesProduct(product.M, product.N);
            // cᵀ (N × M) = op(b)ᵀ (N × K) · op(a)ᵀ (K × M): op(b)ᵀ(j,p) = op(b)(p,j) and op(a)ᵀ(p,i) = op(a)(i,p), so the operands swap with their strides.
            Layout = Transposed
                ? new GemmLayout(product.N, product.M, product.K, product.BCol, product.BRow, product.ACol, product.ARow, product.Alpha, product.Beta)
                : product;
            A = Transposed ? b : a;
            B = Transposed ? a : b;
            C = c;
            Epilogue = epilogue;
            CShift = cShift;
            OperandShift = operandShift;
        }

        public GemmLayout Layout { get; }
        public float* A { get; }
        public float* B { get; }
        public float* C { get; }
        public bool Transposed { get; }
        public IBlockEpilogue? Epilogue { get; }
        public long CShift { get; }
        public long OperandShift { get; }
    }

    /// <summary>The parts of <see cref="MultiplyBatched"/> when each computes whole items: part p takes a run of items.</summary>
    private sealed class BatchJob(BlockedGemm<TKernel> owner) : IParallelJob
    {
        private GemmLayout layout;
        private float* a, b, c;
        private IBlockEpilogue? epilogue;
        private GemmBatch items;

        public void Set(in GemmLayout layout, float* a, float* b, float* c, IBlockEpilogue? epilogue, in GemmBatch items)
        {
            this.layout = layout;
            this.a = a;
            this.b = b;
            this.c = c;
            this.epilogue = epilogue;
            this.items = items;
        }

        public void Execute(int part, int parts)
        {
            var (first, end) = Partition.Range(items.Count, 1, part, parts);
            for (var i = first; i < end; i++)
            {
                var p = Item(layout, a, b, c, epilogue, items, i);
                MultiplyRectangle(p, 0, p.Layout.M, 0, p.Layout.N, owner.buffers[part]);
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
        private AlignedBuffer? block;

        public float* A => a.Pointer;
        public float* B => b.Pointer;
        public float* Spill => spill.Pointer;

        /// <summary>An MC × NC block of cᵀ for transposed products, allocated by the first.</summary>
        public float* Block => (block ??= new AlignedBuffer(MC * NC)).Pointer;
    }
}
