package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

type returnResponse struct {
	Return bool `xml:"return"`
}

func (h *Handler) createTags(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateTagsInput{DryRun: dryRun(p), ResourceIDs: p.StringList("ResourceId"), Tags: tags(p, "Tag")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.CreateTags(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}

func (h *Handler) deleteTags(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteTagsInput{DryRun: dryRun(p), ResourceIDs: p.StringList("ResourceId")}
	for _, t := range p.TagMatches("Tag") {
		in.Tags = append(in.Tags, ipam.DeleteTag{Key: t.Key, Value: t.Value})
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.DeleteTags(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}

type describeTagsResponse struct {
	Tags      ec2query.List[xmlTagDescription] `xml:"tagSet"`
	NextToken string                           `xml:"nextToken,omitempty"`
}

func (h *Handler) describeTags(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeTagsInput{DryRun: dryRun(p), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeTags(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeTagsResponse{wireList(items, func(t *ipam.TagDescription) xmlTagDescription {
		return xmlTagDescription{ResourceID: t.ResourceID, ResourceType: t.ResourceType, Key: t.Key, Value: t.Value}
	}), next}, nil
}
