// SPDX-License-Identifier: MIT
/* Validation and mapping of the fused SPU epilogue (struct s4_epilogue). */
#include "spu.h"

int spu_validate_epilogue(const struct s4_epilogue *ep, unsigned int dtype)
{
	if (ep->rsvd || ep->act >= S4_ACT_NUM_FUNCS)
		return -S4_ERR_BAD_ARG;
	if ((ep->bias_va & 3) || (ep->scale_va & 3) ||
	    (ep->res_va & (s4_dtype_size(dtype) - 1)))
		return -S4_ERR_BAD_ARG;
	if (dtype == S4_DT_INT8 &&
	    (!ep->scale_va || (ep->act != S4_ACT_NONE && ep->act != S4_ACT_RELU)))
		return -S4_ERR_BAD_ARG;
	return 0;
}

int spu_map_epilogue(struct s4_job *job, const struct s4_epilogue *ep,
		     unsigned int dtype, uint64_t n, uint64_t res_bytes,
		     struct spu_epi *out)
{
	uint64_t scale_bytes = n * (dtype == S4_DT_INT8 ? sizeof(struct s4_requant) : 4);
	void *p;
	int ret;

	*out = (struct spu_epi){ .act = ep->act };
	if (ep->act != S4_ACT_NONE && ep->act != S4_ACT_RELU) {
		if (!job->eng->act_loaded)
			return -S4_ERR_BAD_ARG;
		out->act_fn = &job->eng->act[ep->act];
	}
	if (ep->bias_va) {
		ret = s4_job_map(job, ep->bias_va, n * 4, 0, &p);
		if (ret)
			return ret;
		out->bias = p;
	}
	if (ep->scale_va) {
		ret = s4_job_map(job, ep->scale_va, scale_bytes, 0, &p);
		if (ret)
			return ret;
		out->scale = p;
	}
	if (ep->res_va) {
		ret = s4_job_map(job, ep->res_va, res_bytes, 0, &p);
		if (ret)
			return ret;
		out->res = p;
	}
	return 0;
}
