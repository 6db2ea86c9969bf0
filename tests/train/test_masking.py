"""Label masking over token spans, with exact expected tensors."""

import torch

from medqa.train.masking import IGNORE_INDEX, assistant_spans, find_subsequence, mask_labels

S = [1, 2, 3]  # stands for <|im_start|> assistant \n
E = [4]        # stands for <|im_end|>
X = IGNORE_INDEX


def test_find_subsequence():
    assert find_subsequence([9, 1, 2, 3, 1, 2, 3], S) == 1
    assert find_subsequence([9, 1, 2, 3, 1, 2, 3], S, start=2) == 4
    assert find_subsequence([1, 2], S) == -1


def test_every_assistant_turn_is_trained_including_its_end_marker():
    #        sys/user ...   | asst hdr | ans  |end| \n | user  | asst hdr | ans |end| \n
    ids = [7, 8, 1, 5, 4, 9, 1, 2, 3, 20, 21, 4, 9, 1, 6, 4, 9, 1, 2, 3, 30, 4, 9]
    labels = mask_labels(torch.tensor(ids), S, E)
    expected = [X, X, X, X, X, X, X, X, X, 20, 21, 4, X, X, X, X, X, X, X, X, 30, 4, X]
    assert labels.tolist() == expected
    assert assistant_spans(ids, S, E) == [(9, 12), (20, 22)]


def test_truncated_answer_runs_to_the_end_and_user_tokens_never_leak():
    ids = torch.tensor([1, 5, 4, 1, 2, 3, 40, 41])
    assert mask_labels(ids, S, E).tolist() == [X, X, X, X, X, X, 40, 41]
    assert mask_labels(torch.tensor([7, 8, 9]), S, E).tolist() == [X, X, X]
    # A header at the very end (generation prompt) has an empty answer: nothing trained.
    assert mask_labels(torch.tensor([7, 1, 2, 3]), S, E).tolist() == [X, X, X, X]
