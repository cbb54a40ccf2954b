# The main job, run inside the guest by 'make demo'.
set -e
echo "== s4-smi: every S4 card in this machine"
s4-smi
echo
echo "== s4-smi -q: each card as libs4 queries it"
s4-smi -q
echo
echo "== s4-sparse-gemm: a BERT-base FFN GEMM at sparsity 1..32 on card 0, checked against the CPU"
s4-sparse-gemm
echo
echo "== s4-smi -q -i 0: card 0 after the GEMMs (the weight packings it reused)"
s4-smi -q -i 0
