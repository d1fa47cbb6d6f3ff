from django import forms


class PracticeAnswerForm(forms.Form):
    question = forms.UUIDField(widget=forms.HiddenInput)
